import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emlConnector } from '../../connectors/email/index.js';
import { SourceInputError, type PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { scratchPerTest } from '../support/scratch-dir.js';

/** The eml connector: .eml files and .mbox archives through the same parser as imap. */

const scratch = scratchPerTest('salvage-eml-');
const logs = scratch.logs;

function context(): PullContext {
  return {
    sourceName: 'mailfiles',
    window: {
      from: new Date('2026-01-20T00:00:00Z'),
      to: new Date('2026-04-25T09:00:00Z'),
      since: new Date('2026-01-19T00:00:00Z'),
      horizon: new Date('2027-04-25T09:00:00Z'),
    },
    baseDir: scratch.dir,
    stateDir: path.join(scratch.dir, '.state'),
    log: (line) => logs.push(line),
    reject: (r) => logs.push(`rejected: ${r.location}: ${r.what}: ${r.reason}`),
    observedAt: '2026-04-26T08:00:00.000Z',
    checkpoint: async () => undefined,
    previousRecords: async function* () {},
  };
}

async function write(relative: string, content: string): Promise<void> {
  const file = path.join(scratch.dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

async function pull(files: string[]): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of emlConnector({ files }).pull(context())) records.push(record);
  return records;
}

function eml(id: string | null, date: string | null, subject: string, body: string[], eol = '\r\n'): string {
  return [
    'From: Fjord Kayaks <bookings@fjordkayaks.example>',
    'To: kari@example.org',
    `Subject: ${subject}`,
    ...(date === null ? [] : [`Date: ${date}`]),
    ...(id === null ? [] : [`Message-ID: ${id}`]),
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...body,
    '',
  ].join(eol);
}

describe('eml connector', () => {
  it('reads .eml files found by globs, with file refs, inside the window only', async () => {
    await write('exports/mail/2026/a.eml', eml('<a@x>', 'Mon, 2 Mar 2026 10:00:00 +0000', 'Booking confirmed – K7QX2P', ['Booking: K7QX2P']));
    await write('exports/mail/2026/b.eml', eml('<b@x>', 'Mon, 1 Dec 2025 10:00:00 +0000', 'Old', ['Before the backup']));
    await write('exports/mail/c.eml', eml('<c@x>', null, 'Undated', ['No Date header']));
    const records = await pull(['exports/mail/**/*.eml']);
    expect(records.map((record) => [record.id, record.ref, record.createdAt])).toEqual([
      ['<a@x>', 'file://exports/mail/2026/a.eml', '2026-03-02T10:00:00.000Z'],
      ['<c@x>', 'file://exports/mail/c.eml', undefined],
    ]);
    expect(records[0]?.data).toMatchObject({ subject: 'Booking confirmed – K7QX2P', text: 'Booking: K7QX2P\n', locations: [{ file: 'exports/mail/2026/a.eml' }] });
    expect(logs.at(-1)).toBe(
      'eml: 2 messages and 0 calendar events from 3 files; copies already read: 0, outside the window: 1; 1 messages have no readable date and were kept (their time is unknown)',
    );
  });

  it('splits an mbox on postmarks only, undoes >From escaping, and falls back to the postmark date', async () => {
    const mbox = [
      'From 1741000000@xxx Mon Mar 02 10:00:05 +0000 2026',
      ...eml('<m1@x>', 'Mon, 2 Mar 2026 10:00:00 +0000', 'First', ['Booking: K7QX2P', '', '>From the harbour we paddle north.', '>>From quoted twice.', 'From here the body goes on (not after an empty line).'], '\n').split('\n'),
      'From MAILER-DAEMON Tue Mar  3 11:00:00 2026',
      ...eml('<m2@x>', null, 'Second, no Date header', ['', 'From the harbour, unescaped after an empty line, but no postmark date.'], '\n').split('\n'),
      'From - Wed Mar 04 12:00:00 2026',
      ...eml(null, 'Wed, 4 Mar 2026 12:00:00 +0000', 'Third, no Message-ID', ['Last one.'], '\n').split('\n'),
    ].join('\n');
    await write('exports/archive.mbox', mbox);
    const records = await pull(['exports/*.mbox']);
    expect(records.map((record) => record.ref)).toEqual(['file://exports/archive.mbox#1', 'file://exports/archive.mbox#2', 'file://exports/archive.mbox#3']);
    expect(records[0]?.data.text).toBe(
      'Booking: K7QX2P\n\nFrom the harbour we paddle north.\n>From quoted twice.\nFrom here the body goes on (not after an empty line).\n',
    );
    expect(records[1]).toMatchObject({ id: '<m2@x>', createdAt: '2026-03-03T11:00:00.000Z', data: { date: null, timeSource: 'mbox-postmark' } });
    expect(records[1]?.data.text).toBe('\nFrom the harbour, unescaped after an empty line, but no postmark date.\n');
    expect(records[2]?.id).toMatch(/^sha256:/);
    expect(records[2]?.data.text).toBe('Last one.\n');
  });

  it('is one record for a message in several files, listing every location; an mbox without extension is recognised', async () => {
    const message = eml('<same@x>', 'Thu, 5 Mar 2026 08:00:00 +0000', 'Copy', ['In both folders']);
    await write('export/Inbox.eml', message);
    await write('export/Thunderbird/Sent', `From - Thu Mar 05 08:00:00 2026\r\n${message}`);
    const records = await pull(['export/Inbox.eml', 'export/Thunderbird/*']);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      id: '<same@x>',
      ref: 'file://export/Inbox.eml',
      data: { locations: [{ file: 'export/Inbox.eml', ref: 'file://export/Inbox.eml' }, { file: 'export/Thunderbird/Sent', index: 1, ref: 'file://export/Thunderbird/Sent#1' }] },
    });
    expect(logs.at(-1)).toContain('copies already read: 1');
  });

  it('names the file when it is not an mbox or the pattern matches nothing', async () => {
    await write('exports/notes.mbox', 'Subject: not an archive\n\nhello\n');
    const notMbox = await pull(['exports/notes.mbox']).catch((error: Error) => error);
    expect(notMbox).toBeInstanceOf(SourceInputError);
    expect((notMbox as Error).message).toBe(
      'exports/notes.mbox: cannot read the mbox archive (the file does not start with a "From " postmark line, so it is not an mbox archive)',
    );
    const none = await pull(['exports/mail/*.eml']).catch((error: Error) => error);
    expect(none).toBeInstanceOf(SourceInputError);
    expect((none as Error).message).toContain('the pattern "exports/mail/*.eml" matches no file');
  });
});
