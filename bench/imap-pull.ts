/**
 * How fast the imap connector pulls from a local Dovecot: N messages (default 20,000)
 * written as Maildir files, pulled through the connector into a records file, as
 * `salvage pull` does. Prints messages/second and one line `BENCH {json}`.
 *
 *   npm run build && node dist/bench/imap-pull.js [--messages 20000] [--batch 100]
 *
 * Needs root and /usr/sbin/dovecot (apt-get install -y dovecot-imapd). Not part of npm test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { imapConnector } from '../connectors/email/index.js';
import type { PullContext } from '../src/records/connector.js';
import { writeRecordsFile } from '../src/records/ndjson.js';
import { TestDovecot } from '../test/support/dovecot.js';

const { values: args } = parseArgs({ options: { messages: { type: 'string', default: '20000' }, batch: { type: 'string', default: '100' } } });
const MESSAGES = Number(args.messages);
const BATCH = Number(args.batch);
const SINCE = Date.parse('2026-01-19T00:00:00Z');
const TO = Date.parse('2026-04-25T09:00:00Z');

/** A booking confirmation of about 3 KB: text and HTML alternatives, like the sample incident's. */
function confirmation(n: number, at: Date): string {
  const reference = `B${String(n).padStart(5, '0')}`;
  const text = [`Hi Kari,`, '', 'Your booking is confirmed.', '', `Booking: ${reference}`, 'Item: Double kayak', 'Date: 20 November 2026, 10:00', 'Total: €45.00', ''].join('\r\n');
  const html = `<html><body>${text.split('\r\n').map((line) => `<div>${line}</div>`).join('\n')}</body></html>`;
  return [
    'From: Fjord Kayaks <bookings@fjordkayaks.example>',
    `To: Guest ${n} <guest${n}@example.org>`,
    `Subject: Booking confirmed - ${reference}`,
    `Date: ${at.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <bench-${n}@fjordkayaks.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '--b',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    `${'<!-- padding -->'.repeat(80)}`,
    '--b--',
    '',
  ].join('\r\n');
}

async function main(): Promise<void> {
  const dovecot = await TestDovecot.start();
  const work = await mkdtemp(path.join(os.tmpdir(), 'salvage-bench-imap-'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    log(`writing ${MESSAGES} messages into the Maildir...`);
    for (let n = 0; n < MESSAGES; n++) {
      const at = new Date(SINCE + ((TO - SINCE) * (n + 0.5)) / MESSAGES);
      await dovecot.deliver('INBOX', confirmation(n, at), { receivedAt: at, ...(n % 2 ? { flags: 'S' } : {}) });
    }
    const context: PullContext = {
      sourceName: 'inbox',
      window: { from: new Date('2026-01-20T00:00:00Z'), to: new Date(TO), since: new Date(SINCE), horizon: new Date('2027-04-25T09:00:00Z') },
      baseDir: work,
      stateDir: work,
      log,
      observedAt: new Date().toISOString(),
      checkpoint: async () => undefined,
      reject: (r) => console.error(`rejected: ${r.location}: ${r.reason}`),
      previousRecords: async function* () {},
    };
    const connector = imapConnector({ host: '127.0.0.1', port: dovecot.port, secure: false, user: dovecot.user, pass: dovecot.pass, mailboxes: ['INBOX'] }, { batchSize: BATCH });
    const started = performance.now();
    const records = await writeRecordsFile(path.join(work, 'inbox.ndjson'), connector.pull(context));
    const seconds = (performance.now() - started) / 1000;
    const rss = Math.round(process.memoryUsage().rss / 1024 / 1024);
    log(`${records} records in ${seconds.toFixed(1)} s: ${(records / seconds).toFixed(0)} messages/s, RSS ${rss} MB`);
    process.stdout.write(`BENCH ${JSON.stringify({ messages: MESSAGES, records, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(records / seconds), rssMb: rss, batch: BATCH })}\n`);
  } finally {
    await dovecot.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

void main();
