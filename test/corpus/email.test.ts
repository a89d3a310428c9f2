/**
 * Corpus, email: .eml files and .mbox archives as exports deliver them, through the real
 * eml connector (headers pass, mailparser, record builder): encoded-word headers good and
 * broken, charsets nobody knows, header blocks over 1 MB, a thousand MIME parts, no Date,
 * no Message-ID, and one Message-ID on different bodies. Every message is generated here.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emlConnector } from '../../connectors/email/index.js';
import { SourceInputError, type PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { caseDir, writeFiles } from './support.js';
import { testPullContext } from '../support/pull-context.js';

let dir: string;
let logs: string[];

beforeEach(async () => {
  dir = await caseDir('email');
  logs = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function context(): PullContext {
  return testPullContext('mailfiles', dir, (line) => logs.push(line));
}

async function pull(files: string[]): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of emlConnector({ files }).pull(context())) out.push(record);
  return out;
}

/** What the pull said that a case checks: its warnings, and its closing count (progress lines carry timings). */
const warnings = () => logs.filter((line) => line.startsWith('warning:'));
const summary = () => logs.find((line) => line.startsWith('eml: '));

interface Spec {
  /** Message-ID; null leaves the header out. */
  id: string | null;
  /** Date header; null leaves it out. */
  date?: string | null;
  subject?: string;
  from?: string;
  /** Header lines before From (where relays put Received). */
  top?: string[];
  /** Header lines after Message-ID. */
  headers?: string[];
  contentType?: string;
  body: string[];
}

const DATE = 'Mon, 2 Mar 2026 10:00:00 +0000';

/** One message, CRLF by default (an .eml as saved); mbox archives use LF. */
function message(spec: Spec, eol = '\r\n'): string {
  return [
    ...(spec.top ?? []),
    `From: ${spec.from ?? 'Fjord Kayaks <bookings@fjordkayaks.example>'}`,
    'To: kari@example.org',
    `Subject: ${spec.subject ?? 'Booking confirmed'}`,
    ...(spec.date === null ? [] : [`Date: ${spec.date ?? DATE}`]),
    ...(spec.id === null ? [] : [`Message-ID: ${spec.id}`]),
    ...(spec.headers ?? []),
    'MIME-Version: 1.0',
    `Content-Type: ${spec.contentType ?? 'text/plain; charset=utf-8'}`,
    '',
    ...spec.body,
    '',
  ].join(eol);
}

/** An mbox archive: each message after its postmark, an empty line between them. */
function mbox(entries: Array<[postmark: string, spec: Spec]>): string {
  return entries.map(([postmark, spec]) => `${postmark}\n${message(spec, '\n')}\n`).join('');
}

const POSTMARK = 'From MAILER-DAEMON Fri Apr 24 09:00:00 2026';

describe('corpus: email files (eml connector)', () => {
  it('encoded words: Q and B, five charsets in one header, words folded over lines; malformed words are kept as written (a payload that is not base64 aside)', async () => {
    const subjects: Record<string, string[]> = {
      // Five charsets in one header; the space between two encoded words is not text (RFC 2047 §6.2).
      mixed: ['=?utf-8?Q?Caf=C3=A9_?= =?iso-8859-1?Q?cr=E8me?= =?windows-1252?Q?_=80_?= =?koi8-r?B?8NLJ18XU?= and =?utf-8?B?8J+aow==?='],
      // A folded header of encoded words, an en dash and an Å among them.
      folded: ['=?utf-8?Q?Booking_K7QX2P_con?=', ' =?utf-8?Q?firmed_=E2=80=93_=C3=85l?=', '\t=?utf-8?Q?esund?='],
      // One character's bytes split over two words on two lines (ø in Q, 🚣 in B): mailers do it, decoders join them.
      'split-char': ['=?utf-8?Q?Bj=C3?=', ' =?utf-8?Q?=B8rn_?=', '\t=?utf-8?B?8J+a?=', ' =?utf-8?B?ow==?='],
      // A fold inside one encoded word: unfolding leaves a space in it, which stays.
      'fold-inside': ['=?utf-8?Q?Boo', ' king_confirmed?='],
      // Malformed: no terminator, an unknown encoding, no charset, a terminator-less word before a good one.
      unterminated: ['=?utf-8?Q?broken'],
      'unknown-encoding': ['=?utf-8?X?abc?= tail'],
      'no-charset': ['=??Q?abc?='],
      'broken-then-good': ['Booking =?utf-8?Q?broken and =?utf-8?Q?K7QX2P?='],
      // A B word whose payload is not base64 has no bytes to keep: it decodes to nothing.
      'bad-base64': ['=?utf-8?B?!!!?= tail'],
    };
    const files: Record<string, string> = {};
    for (const [name, lines] of Object.entries(subjects)) {
      files[`words/${name}.eml`] = message({ id: `<${name}@x>`, subject: lines.join('\r\n'), body: ['Booking: K7QX2P'] });
    }
    files['words/from-good.eml'] = message({ id: '<from-good@x>', from: '=?utf-8?B?Wm/Dqw==?= =?iso-8859-1?Q?_=D8deg=E5rd?= <zoe@example.org>', body: ['x'] });
    files['words/from-broken.eml'] = message({ id: '<from-broken@x>', from: '=?utf-8?Q?Bj=C3=B8rn <bjorn@example.no>', body: ['x'] });
    await writeFiles(dir, files);

    const records = await pull(['words/*.eml']);
    expect(records).toHaveLength(11);
    expect(Object.fromEntries(records.map((r) => [r.id, r.data.subject]))).toEqual({
      '<bad-base64@x>': 'tail',
      '<broken-then-good@x>': 'Booking =?utf-8?Q?broken and K7QX2P',
      '<fold-inside@x>': 'Boo king confirmed',
      '<folded@x>': 'Booking K7QX2P confirmed – Ålesund',
      '<from-broken@x>': 'Booking confirmed',
      '<from-good@x>': 'Booking confirmed',
      '<mixed@x>': 'Café crème € Привет and 🚣',
      '<no-charset@x>': '=??Q?abc?=',
      '<split-char@x>': 'Bjørn 🚣',
      '<unknown-encoding@x>': '=?utf-8?X?abc?= tail',
      '<unterminated@x>': '=?utf-8?Q?broken',
    });
    const from = Object.fromEntries(records.map((r) => [r.id, r.data.from]));
    expect(from['<from-good@x>']).toEqual({ name: 'Zoë Ødegård', address: 'zoe@example.org' });
    expect(from['<from-broken@x>']).toEqual({ name: '=?utf-8?Q?Bj=C3=B8rn', address: 'bjorn@example.no' });
    expect(records.every((r) => r.data.text === (r.id.startsWith('<from-') ? 'x\n' : 'Booking: K7QX2P\n'))).toBe(true);
    expect(warnings()).toEqual([]);
  });

  // Fixed bug: bytes a charset could not read became U+FFFD without a word (a damaged name in a
  // record nobody opens). parseEmail now names the damaged fields, and the pull logs it per message.
  it('unknown charsets: the record is kept, bytes that are valid UTF-8 are read as UTF-8, the rest are U+FFFD, and a warning names the fields', async () => {
    await writeFiles(dir, {
      'charsets/body-unknown.eml': message({
        id: '<body-unknown@x>',
        contentType: 'text/plain; charset=x-unknown-foo',
        headers: ['Content-Transfer-Encoding: quoted-printable'],
        body: ['Booking K7QX2P for Zo=C3=AB =C3=98deg=C3=A5rd, caf=E9'],
      }),
      'charsets/subject-unknown.eml': message({ id: '<subject-unknown@x>', subject: '=?x-unknown-foo?Q?Booking_K7QX2P_for_Zo=C3=AB?=', body: ['x'] }),
      'charsets/subject-unknown-latin1.eml': message({
        id: '<subject-unknown-latin1@x>',
        subject: '=?x-unknown-foo?Q?Caf=E9?=',
        from: '=?x-unknown-foo?Q?=D8deg=E5rd?= <o@example.no>',
        body: ['x'],
      }),
      // mailparser refuses to decode UTF-7 on purpose (`+ADw-script+AD4-` would become `<script>`
      // past a filter): the text stays as written, which loses nothing.
      'charsets/utf7.eml': message({ id: '<utf7@x>', subject: '=?utf-7?Q?Hi_+AOk-?=', contentType: 'text/plain; charset=utf-7', body: ['Hi +AOk-'] }),
      // Raw Latin-1 bytes in a header, no encoded word: read as UTF-8.
      'charsets/raw-8bit.eml': Buffer.from(message({ id: '<raw-8bit@x>', subject: 'Kvittering for Ødegård', body: ['x'] }), 'latin1'),
    });

    const records = await pull(['charsets/*.eml']);
    expect(records.map((r) => [r.id, r.data.subject, (r.data.from as { name: string | null }).name, r.data.text])).toEqual([
      ['<body-unknown@x>', 'Booking confirmed', 'Fjord Kayaks', 'Booking K7QX2P for Zoë Ødegård, caf\uFFFD\n'],
      ['<raw-8bit@x>', 'Kvittering for \uFFFDdeg\uFFFDrd', 'Fjord Kayaks', 'x\n'],
      ['<subject-unknown-latin1@x>', 'Caf\uFFFD', '\uFFFDdeg\uFFFDrd', 'x\n'],
      ['<subject-unknown@x>', 'Booking K7QX2P for Zoë', 'Fjord Kayaks', 'x\n'],
      ['<utf7@x>', 'Hi +AOk-', 'Fjord Kayaks', 'Hi +AOk-\n'],
    ]);
    const note = (fields: string) => `characters that could not be decoded (an unknown or wrong charset) were replaced by U+FFFD in: ${fields}`;
    expect(records.map((r) => r.data.warnings)).toEqual([[note('text')], [note('subject')], [note('subject, from')], undefined, undefined]);
    expect(warnings()).toEqual([
      `warning: file://charsets/body-unknown.eml: ${note('text')}`,
      `warning: file://charsets/raw-8bit.eml: ${note('subject')}`,
      `warning: file://charsets/subject-unknown-latin1.eml: ${note('subject, from')}`,
    ]);
  });

  // Fixed bugs: (1) mailparser's refusal of a header block over 1 MB escaped as an unhandled
  // rejection (which ends the process), and, read from a stream, was often taken for a failure
  // to read the file (pipeline() fails the input with the parser's error): either way one such
  // message stopped the whole pull. (2) The refused
  // message's record lost the Date its headers pass had read, and its warning was only in the
  // record. (3) The headers pass kept the first 256 KB of a header block, so behind a megabyte
  // of Received fields (relays write on top) it found neither Message-ID nor Date.
  it('a header block over 1 MB (one 1.2 MB field; 20,000 Received on top): a record with id and time and a logged warning, the rest of the archive read, in bounded time', async () => {
    const filler = `X-Filler: ${'x'.repeat(1_200_000)}`;
    const relays = Array.from({ length: 20_000 }, (_, n) => `Received: from relay${n}.example.net (relay${n}.example.net [192.0.2.${n % 250}]) by mx.example.org; Tue, 3 Mar 2026 09:00:00 +0000`);
    await writeFiles(dir, {
      'big-headers.mbox': mbox([
        [POSTMARK, { id: '<before@x>', body: ['Booking: K7QX2P'] }],
        [POSTMARK, { id: '<filler@x>', date: 'Tue, 3 Mar 2026 10:00:00 +0000', headers: [filler], body: ['Booking: K9ZZ4R'] }],
        [POSTMARK, { id: '<relays@x>', date: 'Wed, 4 Mar 2026 10:00:00 +0000', top: relays, body: ['Booking: K3PL7M'] }],
        [POSTMARK, { id: '<after@x>', body: ['Booking: K5RT2N'] }],
      ]),
      'relays.eml': message({ id: '<relays-eml@x>', date: 'Thu, 5 Mar 2026 10:00:00 +0000', top: relays, body: ['Booking: K8WX3Q'] }),
    });
    expect(relays.join('\r\n').length).toBeGreaterThan(1_048_576);

    const started = performance.now();
    const records = await pull(['big-headers.mbox', 'relays.eml']);
    const seconds = (performance.now() - started) / 1000;

    expect(records.map((r) => [r.id, r.ref, r.createdAt, r.data.subject, r.data.text])).toEqual([
      ['<before@x>', 'file://big-headers.mbox#1', '2026-03-02T10:00:00.000Z', 'Booking confirmed', 'Booking: K7QX2P\n'],
      ['<filler@x>', 'file://big-headers.mbox#2', '2026-03-03T10:00:00.000Z', null, null],
      ['<relays@x>', 'file://big-headers.mbox#3', '2026-03-04T10:00:00.000Z', null, null],
      ['<after@x>', 'file://big-headers.mbox#4', '2026-03-02T10:00:00.000Z', 'Booking confirmed', 'Booking: K5RT2N\n'],
      ['<relays-eml@x>', 'file://relays.eml', '2026-03-05T10:00:00.000Z', null, null],
    ]);
    const refused = 'the message could not be parsed (Max header size for a MIME node exceeded); only its headers were read';
    expect(records[1]?.data).toMatchObject({ messageId: null, date: null, time: '2026-03-03T10:00:00.000Z', timeSource: 'date-header', warnings: [refused] });
    expect(warnings()).toEqual([
      `warning: file://big-headers.mbox#2: ${refused}`,
      `warning: file://big-headers.mbox#3: ${refused}`,
      `warning: file://relays.eml: ${refused}`,
    ]);
    expect(summary()).toBe('eml: 5 messages and 0 calendar events from 2 files; copies already read: 0, outside the window: 0');
    expect(seconds).toBeLessThan(10);
  });

  // Fixed: mailparser counts the root as one of its 1,000 MIME nodes, so a message with a
  // thousand parts was refused (body text and all). It is read now; one part more is refused.
  it('1,000 MIME parts: the body and all 999 attachments, each hashed; 1,001 parts: a record with a warning; in bounded time', async () => {
    const ticket = (n: number) => `ticket ${String(n).padStart(4, '0')} for booking K7QX2P`;
    const parts = (attachments: number) => [
      '--p',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Booking K7QX2P: ${attachments} tickets attached.`,
      ...Array.from({ length: attachments }, (_, i) => ['--p', 'Content-Type: text/plain', `Content-Disposition: attachment; filename="ticket-${i + 1}.txt"`, '', ticket(i + 1)]).flat(),
      '--p--',
    ];
    await writeFiles(dir, {
      'parts-1000.eml': message({ id: '<parts-1000@x>', contentType: 'multipart/mixed; boundary="p"', body: parts(999) }),
      'parts-1001.eml': message({ id: '<parts-1001@x>', contentType: 'multipart/mixed; boundary="p"', body: parts(1000) }),
    });

    const started = performance.now();
    const records = await pull(['parts-*.eml']);
    const seconds = (performance.now() - started) / 1000;

    expect(records.map((r) => [r.id, r.createdAt, r.data.text, (r.data.attachments as unknown[]).length])).toEqual([
      ['<parts-1000@x>', '2026-03-02T10:00:00.000Z', 'Booking K7QX2P: 999 tickets attached.', 999],
      ['<parts-1001@x>', '2026-03-02T10:00:00.000Z', null, 0],
    ]);
    const attachments = records[0]?.data.attachments as Array<{ name: string; size: number; sha256: string; partId: string }>;
    expect(attachments.map((a) => [a.partId, a.name, a.size, a.sha256])).toEqual(
      Array.from({ length: 999 }, (_, i) => [String(i + 2), `ticket-${i + 1}.txt`, ticket(i + 1).length, createHash('sha256').update(ticket(i + 1)).digest('hex')]),
    );
    expect(new Set(attachments.map((a) => a.sha256)).size).toBe(999);
    const refused = 'the message could not be parsed (Max allowed child nodes exceeded); only its headers were read';
    expect(records[1]?.data.warnings).toEqual([refused]);
    expect(warnings()).toEqual([`warning: file://parts-1001.eml: ${refused}`]);
    expect(seconds).toBeLessThan(10);
  });

  it('a missing Date: kept with no time in an .eml, the postmark time in an mbox (so the window still applies), an unreadable one kept as written', async () => {
    await writeFiles(dir, {
      'undated.eml': message({ id: '<undated@x>', date: null, body: ['Booking: K7QX2P'] }),
      'unreadable-date.eml': message({ id: '<unreadable@x>', date: 'sometime next week', body: ['Booking: K9ZZ4R'] }),
      'undated.mbox': mbox([
        ['From - Tue Mar 03 11:00:00 2026', { id: '<postmarked@x>', date: null, body: ['Booking: K3PL7M'] }],
        ['From - Mon Dec 01 11:00:00 2025', { id: '<old-postmark@x>', date: null, body: ['Booking: K0LD00'] }],
      ]),
    });
    const records = await pull(['*.eml', '*.mbox']);
    expect(records.map((r) => [r.id, r.createdAt, r.data.date, r.data.time, r.data.timeSource, r.data.unreadableDate])).toEqual([
      ['<undated@x>', undefined, null, null, null, undefined],
      ['<unreadable@x>', undefined, null, null, null, 'sometime next week'],
      ['<postmarked@x>', '2026-03-03T11:00:00.000Z', null, '2026-03-03T11:00:00.000Z', 'mbox-postmark', undefined],
    ]);
    expect(summary()).toBe(
      'eml: 3 messages and 0 calendar events from 3 files; copies already read: 0, outside the window: 1; 2 messages have no readable date and were kept (their time is unknown)',
    );
    expect(warnings()).toEqual([]);
  });

  it('a missing Message-ID: an id from a hash of the headers and size, the same on every pull and for every copy, different for a different message', async () => {
    const receipt = message({ id: null, subject: 'Kvittering K7QX2P', body: ['Total: 450 kr'] });
    await writeFiles(dir, {
      'inbox/receipt.eml': receipt,
      'archive/receipt.eml': receipt,
      'inbox/other.eml': message({ id: null, subject: 'Kvittering K9ZZ4R', body: ['Total: 450 kr'] }),
    });
    const first = await pull(['inbox/*.eml', 'archive/*.eml']);
    const again = await pull(['inbox/*.eml', 'archive/*.eml']);
    expect(first.map((r) => [r.id, r.ref, (r.data.locations as Array<{ ref: string }>).map((l) => l.ref), r.data.messageId])).toEqual([
      ['sha256:dfb85d9830b9b44c928a2621742f5c91', 'file://inbox/other.eml', ['file://inbox/other.eml'], null],
      ['sha256:28e84592b349c3976fcca1b9b8b6d3c3', 'file://inbox/receipt.eml', ['file://inbox/receipt.eml', 'file://archive/receipt.eml'], null],
    ]);
    expect(again).toEqual(first);
    expect(summary()).toBe('eml: 2 messages and 0 calendar events from 3 files; copies already read: 1, outside the window: 0');
  });

  // Fixed bug: a second body under a Message-ID already read was taken for a copy and dropped
  // ("copies already read: 1"): a mailer that reuses its Message-ID lost every booking but one.
  it('one Message-ID on different bodies: each body is a record (the later ones named by their digest) with its own copies, and a warning says so', async () => {
    const first = { id: '<dup@x>', body: ['Booking: K7QX2P, 2 kayaks'] };
    const second = { id: '<dup@x>', body: ['Booking: K9ZZ4R, 1 canoe'] };
    const third = { id: '<dup@x>', body: ['Booking: K3PL7M, 4 boards, 2 paddles'] };
    await writeFiles(dir, {
      'inbox/1.eml': message(first),
      'inbox/2.eml': message(second),
      // The same message as inbox/1.eml, with what a mail store adds: still a copy.
      'sent/1.eml': message({ ...first, headers: ['X-Mozilla-Status: 0001', 'X-Mozilla-Keys: $label1'] }),
      // The second body again (LF line ends, as in an mbox), then a third body.
      'archive.mbox': mbox([[POSTMARK, second], [POSTMARK, third]]),
    });
    const records = await pull(['inbox/*.eml', 'sent/*.eml', 'archive.mbox']);
    expect(records.map((r) => [r.id, r.ref, r.data.messageId, r.data.text, (r.data.locations as Array<{ ref: string }>).map((l) => l.ref)])).toEqual([
      ['<dup@x>', 'file://inbox/1.eml', '<dup@x>', 'Booking: K7QX2P, 2 kayaks\n', ['file://inbox/1.eml', 'file://sent/1.eml']],
      ['<dup@x>~sha256:3627f3291f6d6417', 'file://inbox/2.eml', '<dup@x>', 'Booking: K9ZZ4R, 1 canoe\n', ['file://inbox/2.eml', 'file://archive.mbox#1']],
      ['<dup@x>~sha256:be966bec4c42dbca', 'file://archive.mbox#2', '<dup@x>', 'Booking: K3PL7M, 4 boards, 2 paddles\n', ['file://archive.mbox#2']],
    ]);
    expect(warnings()).toEqual([
      'warning: file://inbox/2.eml: the Message-ID <dup@x> is also on file://inbox/1.eml, with a different body; this body is kept as its own record, id <dup@x>~sha256:3627f3291f6d6417',
      'warning: file://archive.mbox#2: the Message-ID <dup@x> is also on file://inbox/1.eml, with a different body; this body is kept as its own record, id <dup@x>~sha256:be966bec4c42dbca',
    ]);
    expect(summary()).toBe('eml: 3 messages and 0 calendar events from 4 files; copies already read: 2, outside the window: 0');
  });

  it('two messages without Message-ID that hash alike (same headers, same size, different bodies) are still two records', async () => {
    await writeFiles(dir, {
      'a.eml': message({ id: null, body: ['Booking: K7QX2P'] }),
      'b.eml': message({ id: null, body: ['Booking: K9ZZ4R'] }),
    });
    const records = await pull(['*.eml']);
    expect(records.map((r) => [r.id, r.ref, r.data.text])).toEqual([
      ['sha256:d9166461ac8116c4bf5b5770dee1cf26', 'file://a.eml', 'Booking: K7QX2P\n'],
      ['sha256:d9166461ac8116c4bf5b5770dee1cf26~sha256:0110b32c5fb959a7', 'file://b.eml', 'Booking: K9ZZ4R\n'],
    ]);
    expect(warnings()).toEqual([
      'warning: file://b.eml: the id sha256:d9166461ac8116c4bf5b5770dee1cf26 (no Message-ID: a hash of headers and size) is also on file://a.eml, with a different body; this body is kept as its own record, id sha256:d9166461ac8116c4bf5b5770dee1cf26~sha256:0110b32c5fb959a7',
    ]);
  });

  it('a file gone between the headers pass and the body pass (an export moved mid-pull) stops the pull with an error naming it, after the records before it', async () => {
    await writeFiles(dir, { 'a.eml': message({ id: '<a@x>', body: ['Booking: K7QX2P'] }), 'b.eml': message({ id: '<b@x>', body: ['Booking: K9ZZ4R'] }) });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const record of emlConnector({ files: ['*.eml'] }).pull(context())) {
        seen.push(record.id);
        await rm(path.join(dir, 'b.eml'));
      }
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual(['<a@x>']);
    expect(error).toBeInstanceOf(SourceInputError);
    expect((error as Error).message).toBe(`file://b.eml: cannot read the message (ENOENT: no such file or directory, open '${path.join(dir, 'b.eml')}')`);
  });
});
