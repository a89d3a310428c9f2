import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imapConnector, type ImapSourceOptions, type ImapTuning } from '../../connectors/email/index.js';
import { SourceInputError, type PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { openRecordsSink, readRecordsFile } from '../../src/records/ndjson.js';
import { CuttingProxy, dovecotAvailable, TestDovecot } from '../support/dovecot.js';

/**
 * The imap connector against a real Dovecot (test/support/dovecot.ts), with mail
 * written as Maildir files whose mtimes are their INTERNALDATEs.
 */

const WINDOW = {
  from: new Date('2026-01-20T00:00:00Z'),
  to: new Date('2026-04-25T09:00:00Z'),
  since: new Date('2026-01-19T00:00:00Z'),
  horizon: new Date('2027-04-25T09:00:00Z'),
};
const FAST: ImapTuning = { batchSize: 2, reconnectDelaysMs: [50, 100, 200, 400, 800, 1600, 3200], timeoutMs: 10_000 };

const available = dovecotAvailable();
let dovecot: TestDovecot;
let work: string;

beforeAll(async () => {
  if (!available) return;
  dovecot = await TestDovecot.start();
  work = await mkdtemp(path.join(tmpdir(), 'salvage-imap-'));
});

afterAll(async () => {
  await dovecot?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

interface MessageSpec {
  id?: string | null;
  date?: string | null;
  subject?: string;
  from?: string;
  to?: string;
  body?: string;
  headers?: string[];
}

/** A plain RFC 5322 message; `id: null` / `date: null` leave those headers out. */
function message(spec: MessageSpec): string {
  const lines = [
    `From: ${spec.from ?? 'Fjord Kayaks <bookings@fjordkayaks.example>'}`,
    `To: ${spec.to ?? 'Kari Nordmann <kari@example.org>'}`,
    `Subject: ${spec.subject ?? 'Hello'}`,
    ...(spec.date === null ? [] : [`Date: ${new Date(spec.date ?? '2026-03-02T10:00:00Z').toUTCString().replace('GMT', '+0000')}`]),
    ...(spec.id === null ? [] : [`Message-ID: ${spec.id ?? `<${Math.random().toString(36).slice(2)}@test>`}`]),
    'MIME-Version: 1.0',
    ...(spec.headers ?? []),
    ...(spec.headers?.some((header) => header.toLowerCase().startsWith('content-type')) ? [] : ['Content-Type: text/plain; charset=utf-8']),
    '',
    spec.body ?? 'Hello.',
    '',
  ];
  return lines.join('\r\n');
}

const INVITE = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Fjord Kayaks//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT',
  'UID:booking-1042@fjordkayaks.example', 'DTSTAMP:20260302T100000Z', 'DTSTART;TZID=Europe/Oslo:20260704T090000',
  'DTEND;TZID=Europe/Oslo:20260704T120000', 'SUMMARY:Double kayak – Booking K7QX2P', 'STATUS:CONFIRMED',
  'ORGANIZER;CN=Fjord Kayaks:mailto:bookings@fjordkayaks.example', 'ATTENDEE;CN="Kari Nordmann";PARTSTAT=ACCEPTED:mailto:kari@example.org',
  'END:VEVENT', 'END:VCALENDAR', '',
].join('\r\n');

function confirmationWithAttachments(): string {
  return message({
    id: '<confirm-K7QX2P@fjordkayaks.example>',
    subject: '=?UTF-8?Q?Booking_confirmed_=E2=80=93_K7QX2P?=',
    headers: ['Content-Type: multipart/mixed; boundary="outer"'],
    body: [
      '--outer', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
      'Booking: K7QX2P', 'Total: =E2=82=AC45.00', '',
      '--outer', 'Content-Type: text/calendar; method=REQUEST; charset=utf-8; name="invite.ics"',
      'Content-Disposition: attachment; filename="invite.ics"', 'Content-Transfer-Encoding: base64', '',
      Buffer.from(INVITE).toString('base64').replace(/.{76}/g, '$&\r\n'), '',
      '--outer', 'Content-Type: application/pdf; name="receipt.pdf"', 'Content-Disposition: attachment; filename="receipt.pdf"',
      'Content-Transfer-Encoding: base64', '', Buffer.from('%PDF-1.4 receipt').toString('base64'), '',
      '--outer--',
    ].join('\r\n'),
  });
}

function context(sourceName: string, overrides: Partial<PullContext> = {}): PullContext & { logs: string[] } {
  const logs: string[] = [];
  const stateDir = path.join(work, 'state', sourceName);
  return {
    sourceName,
    window: WINDOW,
    baseDir: work,
    stateDir,
    log: (line) => logs.push(line),
    reject: (r) => logs.push(`rejected: ${r.location}: ${r.what}: ${r.reason}`),
    observedAt: '2026-04-26T08:00:00.000Z',
    checkpoint: async () => undefined,
    previousRecords: async function* () {},
    ...overrides,
    logs,
  };
}

function options(mailboxes: string[]): ImapSourceOptions {
  return { host: '127.0.0.1', port: dovecot.port, secure: false, user: dovecot.user, pass: dovecot.pass, mailboxes };
}

async function collect(records: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const list: SourceRecord[] = [];
  for await (const record of records) list.push(record);
  return list;
}

async function prepareStateDir(ctx: PullContext): Promise<void> {
  await mkdir(ctx.stateDir, { recursive: true });
}

/** Every message's flags as an IMAP client sees them (EXAMINE, so reading them changes nothing). */
async function flagsOf(mailbox: string): Promise<Record<number, string[]>> {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
  await client.connect();
  const lock = await client.getMailboxLock(mailbox, { readOnly: true });
  try {
    const result: Record<number, string[]> = {};
    for (const item of await client.fetchAll('1:*', { uid: true, flags: true }, { uid: true })) result[item.uid] = [...(item.flags ?? [])].sort();
    return result;
  } finally {
    lock.release();
    await client.logout();
  }
}

describe.skipIf(!available)('imap connector on a real Dovecot', () => {
  it('pulls INBOX and Sent: window, one record per message with every location, attachments, flags untouched', async () => {
    await dovecot.createMailbox('Sent');
    const at = (iso: string) => new Date(iso);
    await dovecot.deliver('INBOX', confirmationWithAttachments(), { receivedAt: at('2026-03-02T10:00:05Z') });
    await dovecot.deliver(
      'INBOX',
      message({
        id: '<encoded@test>',
        date: '2026-03-03T09:00:00Z',
        from: '=?ISO-8859-1?Q?J=F8rgen_S=F8rensen?= <jorgen@example.no>',
        subject: '=?ISO-8859-1?Q?Endring_av_booking_p=E5_fredag?=',
        headers: ['Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable'],
        body: 'Kan vi flytte til l=F8rdag?',
      }),
      { receivedAt: at('2026-03-03T09:00:04Z'), flags: 'S' },
    );
    await dovecot.deliver('INBOX', message({ id: null, date: '2026-03-04T08:00:00Z', subject: 'No id' }), { receivedAt: at('2026-03-04T08:00:02Z'), flags: 'F' });
    await dovecot.deliver('INBOX', message({ id: '<old@test>', date: '2025-12-01T08:00:00Z', subject: 'Before the window' }), { receivedAt: at('2025-12-01T08:00:01Z') });
    await dovecot.deliver('INBOX', message({ id: '<imported@test>', date: '2025-11-01T08:00:00Z', subject: 'Old mail imported in March' }), { receivedAt: at('2026-03-05T12:00:00Z'), flags: 'S' });
    await dovecot.deliver('INBOX', message({ id: '<undated@test>', date: null, subject: 'No Date header' }), { receivedAt: at('2026-03-06T12:00:00Z') });
    await dovecot.deliver('INBOX', message({ id: '<migrated@test>', date: '2026-03-07T12:00:00Z', subject: 'Moved to this server in June' }), { receivedAt: at('2026-06-01T12:00:00Z'), flags: 'RS' });
    await dovecot.deliver('INBOX', message({ id: '<dup@test>', date: '2026-03-08T12:00:00Z', subject: 'In both', headers: ['Received: from mx by inbound; Sun, 8 Mar 2026 12:00:01 +0000'] }), { receivedAt: at('2026-03-08T12:00:01Z') });
    await dovecot.deliver('Sent', message({ id: '<dup@test>', date: '2026-03-08T12:00:00Z', subject: 'In both' }), { receivedAt: at('2026-03-08T12:00:00Z'), flags: 'S' });
    await dovecot.deliver(
      'Sent',
      message({ id: '<reply@test>', date: '2026-03-09T12:00:00Z', subject: 'Re: Booking confirmed', headers: ['In-Reply-To: <confirm-K7QX2P@fjordkayaks.example>', 'References: <confirm-K7QX2P@fjordkayaks.example>'] }),
      { receivedAt: at('2026-03-09T12:00:00Z'), flags: 'S' },
    );

    const filesBefore = { inbox: await dovecot.files('INBOX'), sent: await dovecot.files('Sent') };
    const flagsBefore = { inbox: await flagsOf('INBOX'), sent: await flagsOf('Sent') };

    const ctx = context('inbox');
    await prepareStateDir(ctx);
    // A small inline limit sends the confirmation (with attachments) through the streaming download path.
    const records = await collect(imapConnector(options(['INBOX', 'Sent']), { ...FAST, maxInlineBytes: 1500 }).pull(ctx));

    expect(await dovecot.files('INBOX')).toEqual(filesBefore.inbox);
    expect(await dovecot.files('Sent')).toEqual(filesBefore.sent);
    expect(await flagsOf('INBOX')).toEqual(flagsBefore.inbox);
    expect(await flagsOf('Sent')).toEqual(flagsBefore.sent);

    const messages = records.filter((record) => record.type === 'email.message');
    const bySubject = new Map(messages.map((record) => [record.data.subject, record]));
    expect([...bySubject.keys()].sort()).toEqual(
      ['Booking confirmed – K7QX2P', 'Endring av booking på fredag', 'In both', 'Moved to this server in June', 'No Date header', 'No id', 'Re: Booking confirmed'].sort(),
    );
    expect(new Set(records.map((record) => record.id)).size).toBe(records.length);

    const confirmation = bySubject.get('Booking confirmed – K7QX2P') as SourceRecord;
    expect(confirmation).toMatchObject({
      source: 'inbox',
      id: '<confirm-K7QX2P@fjordkayaks.example>',
      ref: expect.stringMatching(/^imap:\/\/INBOX;UIDVALIDITY=\d+;UID=\d+$/),
      createdAt: '2026-03-02T10:00:00.000Z',
      data: {
        from: { name: 'Fjord Kayaks', address: 'bookings@fjordkayaks.example' },
        to: [{ name: 'Kari Nordmann', address: 'kari@example.org' }],
        text: expect.stringContaining('Total: €45.00'),
        timeSource: 'date-header',
      },
    });
    expect(confirmation.data.attachments).toEqual([
      expect.objectContaining({ name: 'invite.ics', contentType: 'text/calendar', calendar: true, size: Buffer.byteLength(INVITE), sha256: createHash('sha256').update(INVITE).digest('hex') }),
      expect.objectContaining({
        name: 'receipt.pdf',
        contentType: 'application/pdf',
        size: 16,
        sha256: createHash('sha256').update('%PDF-1.4 receipt').digest('hex'),
        calendar: false,
      }),
    ]);
    const event = records.find((record) => record.type === 'calendar.event') as SourceRecord;
    expect(event).toMatchObject({
      id: '<confirm-K7QX2P@fjordkayaks.example>/2/booking-1042@fjordkayaks.example',
      ref: `${confirmation.ref};SECTION=2`,
      data: {
        uid: 'booking-1042@fjordkayaks.example',
        summary: 'Double kayak – Booking K7QX2P',
        start: '2026-07-04T09:00:00+02:00',
        end: '2026-07-04T12:00:00+02:00',
        status: 'CONFIRMED',
        attendees: [{ email: 'kari@example.org', name: 'Kari Nordmann', partstat: 'ACCEPTED', role: null }],
      },
    });

    const encoded = bySubject.get('Endring av booking på fredag') as SourceRecord;
    expect(encoded.data.from).toEqual({ name: 'Jørgen Sørensen', address: 'jorgen@example.no' });
    expect(encoded.data.text).toContain('Kan vi flytte til lørdag?');

    const noId = bySubject.get('No id') as SourceRecord;
    expect(noId.id).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(noId.data.messageId).toBeNull();

    const undated = bySubject.get('No Date header') as SourceRecord;
    expect(undated).toMatchObject({ createdAt: '2026-03-06T12:00:00.000Z', data: { date: null, timeSource: 'internaldate' } });

    const both = bySubject.get('In both') as SourceRecord;
    expect(both.ref).toMatch(/^imap:\/\/INBOX;/);
    expect((both.data.locations as Array<{ mailbox: string }>).map((location) => location.mailbox)).toEqual(['INBOX', 'Sent']);

    expect(bySubject.get('Re: Booking confirmed')?.data).toMatchObject({
      inReplyTo: '<confirm-K7QX2P@fjordkayaks.example>',
      references: ['<confirm-K7QX2P@fjordkayaks.example>'],
    });
    // <old@test> (outside, not even found by the search) and <imported@test> (found, outside once checked): both counted.
    expect(ctx.logs.join('\n')).toContain('copies already pulled: 1, outside the window: 2, deleted during the pull: 0, reconnections: 0');
  });

  it('counts every message outside the window, and keeps different bodies under one Message-ID as separate records', async () => {
    await dovecot.createMailbox('Orders');
    await dovecot.createMailbox('Orders-Sent');
    const at = (iso: string) => new Date(iso);
    // Outside, and not found by the search at all (Date and INTERNALDATE both long before): counted all the same.
    await dovecot.deliver('Orders', message({ id: '<ancient@test>', date: '2024-01-01T08:00:00Z', subject: 'Ancient' }), { receivedAt: at('2024-01-01T08:00:01Z') });
    await dovecot.deliver('Orders', message({ id: '<same@test>', date: '2026-03-08T12:00:00Z', subject: 'Order', body: 'Total: 45.00 EUR' }), { receivedAt: at('2026-03-08T12:00:01Z') });
    // The same Message-ID with another body (a mailer that reuses ids, a resend with a correction).
    await dovecot.deliver('Orders-Sent', message({ id: '<same@test>', date: '2026-03-08T12:00:00Z', subject: 'Order', body: 'Total: 54.00 EUR (corrected)' }), { receivedAt: at('2026-03-08T12:00:00Z') });
    // A true copy of the first body: one record, two locations.
    await dovecot.deliver('Orders-Sent', message({ id: '<same@test>', date: '2026-03-08T12:00:00Z', subject: 'Order', body: 'Total: 45.00 EUR' }), { receivedAt: at('2026-03-08T12:00:02Z') });

    const ctx = context('orders');
    await prepareStateDir(ctx);
    const records = await collect(imapConnector(options(['Orders', 'Orders-Sent']), FAST).pull(ctx));
    const bodies = records.map((record) => [record.id, String(record.data.text).trim()]);
    expect(bodies).toEqual([
      ['<same@test>', 'Total: 45.00 EUR'],
      [expect.stringMatching(/^<same@test>~sha256:[0-9a-f]{16}$/), 'Total: 54.00 EUR (corrected)'],
    ]);
    expect(records[1]?.data.messageId).toBe('<same@test>');
    expect(ctx.logs.join('\n')).toMatch(/warning: imap:\/\/Orders-Sent;UIDVALIDITY=\d+;UID=1: Message-ID <same@test> was pulled already with a different body/);
    expect(ctx.logs.join('\n')).toContain('imap: 2 messages and 0 calendar events from 2 mailboxes; copies already pulled: 1, outside the window: 1,');
  });

  it('a control: a client that SELECTs and fetches without PEEK does change the files (so the check above can fail)', async () => {
    await dovecot.createMailbox('Control');
    await dovecot.deliver('Control', message({ id: '<control@test>', date: '2026-03-02T10:00:00Z' }), { receivedAt: new Date('2026-03-02T10:00:00Z') });
    const before = await dovecot.files('Control');
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
    await client.connect();
    const lock = await client.getMailboxLock('Control');
    await client.fetchAll('1:*', { bodyParts: ['TEXT'] });
    await client.messageFlagsAdd('1:*', ['\\Seen']);
    lock.release();
    await client.logout();
    expect(await dovecot.files('Control')).not.toEqual(before);
  });

  it('resumes an interrupted pull from its last checkpoint, through the records sink', async () => {
    await dovecot.createMailbox('Resume');
    for (let n = 1; n <= 7; n++) {
      await dovecot.deliver('Resume', message({ id: `<resume-${n}@test>`, date: `2026-03-1${n}T10:00:00Z`, subject: `Resume ${n}` }), { receivedAt: new Date(`2026-03-1${n}T10:00:01Z`) });
    }
    const file = path.join(work, 'records', 'resume.ndjson');
    const pullOnce = async (crashAfter?: number) => {
      const sink = await openRecordsSink(file);
      const ctx = context('resume', { checkpoint: (state) => sink.checkpoint(state), resumeState: sink.resumeState });
      await prepareStateDir(ctx);
      let yielded = 0;
      const records = imapConnector(options(['Resume']), FAST).pull(ctx);
      async function* crashing(): AsyncGenerator<SourceRecord> {
        for await (const record of records) {
          if (crashAfter !== undefined && yielded === crashAfter) throw new Error('simulated crash');
          yielded++;
          yield record;
        }
      }
      const outcome = await sink.write(crashing()).catch((error: Error) => error);
      return { sink, outcome, yielded, logs: ctx.logs };
    };

    const first = await pullOnce(3);
    expect(first.outcome).toBeInstanceOf(Error);
    const second = await pullOnce();
    // Batches of two: the checkpoint after the first batch covers 2 records; the third is yielded again.
    expect(second.sink.resumedRecords).toBe(2);
    expect(second.yielded).toBe(5);
    expect(second.outcome).toBe(7);
    const ids: string[] = [];
    for await (const { record } of readRecordsFile(file)) ids.push(record.id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `<resume-${n}@test>`));
  });

  it('reconnects when the connection is cut mid-FETCH or the server goes down, and misses nothing', async () => {
    await dovecot.createMailbox('Drop');
    // Bodies of ~6 KB make a two-message FETCH answer long enough to cut in its middle.
    const body = 'Booking: K7QX2P\r\n'.repeat(400);
    for (let n = 1; n <= 10; n++) {
      const day = String(10 + n);
      await dovecot.deliver('Drop', message({ id: `<drop-${n}@test>`, date: `2026-03-${day}T10:00:00Z`, body }), { receivedAt: new Date(`2026-03-${day}T10:00:01Z`) });
    }
    const proxy = await CuttingProxy.start(dovecot.port);
    try {
      const ctx = context('drop');
      await prepareStateDir(ctx);
      const ids: string[] = [];
      let outage: { back: Promise<void> } | undefined;
      for await (const record of imapConnector({ ...options(['Drop']), port: proxy.port }, FAST).pull(ctx)) {
        ids.push(record.id);
        // The answer on the wire next (batch 2 or 3: one batch is fetched ahead) is cut after 3 KB,
        // inside a message's literal.
        if (ids.length === 1) proxy.cutAfter(3000);
        // Later the server stops for 300 ms; reconnecting meets ECONNREFUSED until it is back.
        if (ids.length === 6) outage = await dovecot.outage(300);
      }
      await outage?.back;
      expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => `<drop-${n}@test>`));
      expect(proxy.cuts).toBe(1);
      const logs = ctx.logs.join('\n');
      expect(logs).toMatch(/connection dropped during the fetch of Drop UIDs \d+-\d+ \((NoConnection|EConnectionClosed|ECONNRESET)\)/);
      expect(logs).toMatch(/connection dropped during .* \((ECONNREFUSED|ClosedAfterConnectText)\); reconnecting/);
      expect(logs).toMatch(/reconnections: [2-9]/);
    } finally {
      await proxy.stop();
    }
  });

  it('reads a mailbox again when its UIDVALIDITY changed since the checkpoint, without duplicates', async () => {
    await dovecot.createMailbox('Renumbered');
    const files: string[] = [];
    for (let n = 1; n <= 5; n++) {
      files.push(
        await dovecot.deliver('Renumbered', message({ id: `<renumbered-${n}@test>`, date: `2026-04-0${n}T10:00:00Z` }), { receivedAt: new Date(`2026-04-0${n}T10:00:01Z`) }),
      );
    }
    const file = path.join(work, 'records', 'renumbered.ndjson');
    const sinkRun = async (crashAfter?: number) => {
      const sink = await openRecordsSink(file);
      const ctx = context('renumbered', { checkpoint: (state) => sink.checkpoint(state), resumeState: sink.resumeState });
      await prepareStateDir(ctx);
      const records = imapConnector(options(['Renumbered']), FAST).pull(ctx);
      let count = 0;
      async function* crashing(): AsyncGenerator<SourceRecord> {
        for await (const record of records) {
          if (crashAfter !== undefined && count === crashAfter) throw new Error('simulated crash');
          count++;
          yield record;
        }
      }
      await sink.write(crashing()).catch(() => undefined);
      return ctx.logs;
    };
    await sinkRun(2); // checkpoint: UIDs 1-2 done
    const state = JSON.parse(await readFile(`${file}.checkpoint.json`, 'utf8')) as { state: { mailboxes: Record<string, { uidValidity: string; lastUid: number }> } };
    const before = state.state.mailboxes.Renumbered;
    expect(before?.lastUid).toBe(2);

    // The server forgets its UIDs (a restore): the first message is gone and the rest are numbered from 1
    // again, so "continue after UID 2" would skip one message and a plain re-read would repeat one.
    await unlink(files[0] as string);
    await dovecot.renumber('Renumbered', Number(before?.uidValidity) + 1000);
    const logs = await sinkRun();

    expect(logs.join('\n')).toMatch(/UIDVALIDITY of Renumbered changed from \d+ to \d+: reading it again/);
    const ids: string[] = [];
    for await (const { record } of readRecordsFile(file)) ids.push(record.id);
    expect(ids).toEqual([1, 2, 3, 4, 5].map((n) => `<renumbered-${n}@test>`));
  });

  it('notices a UIDVALIDITY change in the middle of a pull and reads the mailbox again, without duplicates', async () => {
    await dovecot.createMailbox('Restored');
    const files: string[] = [];
    for (let n = 1; n <= 6; n++) {
      files.push(await dovecot.deliver('Restored', message({ id: `<restored-${n}@test>`, date: `2026-04-1${n}T10:00:00Z` }), { receivedAt: new Date(`2026-04-1${n}T10:00:01Z`) }));
    }
    const ctx = context('restored');
    await prepareStateDir(ctx);
    const ids: string[] = [];
    for await (const record of imapConnector(options(['Restored']), FAST).pull(ctx)) {
      ids.push(record.id);
      if (ids.length === 1) {
        // The mailbox is restored under our feet: message 1 gone, the rest renumbered from UID 1.
        await unlink(files[0] as string);
        await dovecot.renumber('Restored', 4242);
      }
    }
    expect(ids).toEqual([1, 2, 3, 4, 5, 6].map((n) => `<restored-${n}@test>`));
    expect(ctx.logs.join('\n')).toMatch(/UIDVALIDITY of Restored changed from \d+ to 4242: reading Restored again/);
  });

  it('reports an unknown mailbox and a refused login as input errors, without the password', async () => {
    const ctx = context('errors');
    await prepareStateDir(ctx);
    const unknown = await collect(imapConnector(options(['INBOX', 'Nope']), FAST).pull(ctx)).catch((error: Error) => error);
    expect(unknown).toBeInstanceOf(SourceInputError);
    expect((unknown as Error).message).toMatch(/no mailbox "Nope" on the server; it has: .*INBOX/);

    // Last: Dovecot slows every later login from this address after a failed one.
    const wrongPass = imapConnector({ ...options(['INBOX']), pass: 'not-the-password' }, FAST).pull(ctx);
    const loginError = await collect(wrongPass).catch((error: Error) => error);
    expect(loginError).toBeInstanceOf(SourceInputError);
    expect((loginError as Error).message).toContain(`refused the login of alice@127.0.0.1:${dovecot.port}`);
    expect((loginError as Error).message).not.toContain('not-the-password');
  });
});
