/**
 * A large export (100,000 events, about 40 MB) goes through the ics connector while the
 * heap is sampled: what stays alive must be a small fraction of the file, because the
 * connector holds an index and one UID group, never the text or the parsed calendar.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { icsConnector } from '../../connectors/ics/index.js';
import { collectGarbage } from '../../src/runtime/memory.js';
import { testPullContext } from '../support/pull-context.js';

const EVENTS = 100_000;
let baseDir: string;

beforeAll(async () => {
  baseDir = await mkdtemp(path.join(tmpdir(), 'salvage-ics-memory-'));
});

afterAll(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

/** Written a thousand events at a time, so the test itself never holds the file either. */
async function writeLargeExport(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//salvage memory test//EN\r\nX-WR-CALNAME:Bookings\r\n');
  for (let start = 0; start < EVENTS; start += 1000) {
    const lines: string[] = [];
    for (let n = start; n < start + 1000; n++) {
      const at = new Date(Date.UTC(2026, 2, 1) + n * 3_600_000).toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z';
      lines.push(
        'BEGIN:VEVENT', `UID:booking-${n}@memory.example`, 'DTSTAMP:20260301T120000Z', 'CREATED:20260301T120000Z', `DTSTART:${at}`, 'DURATION:PT1H',
        `SUMMARY:Booking number ${n} for a customer with a reasonably long name`,
        `DESCRIPTION:Some description text for booking ${n}\\, with escapes and enough words to be realistic.`,
        'LOCATION:Room 4', 'STATUS:CONFIRMED', 'ORGANIZER;CN=Front desk:mailto:desk@memory.example', 'END:VEVENT', '',
      );
    }
    if (!out.write(lines.join('\r\n'))) await once(out, 'drain');
  }
  out.end('END:VCALENDAR\r\n');
  await once(out, 'finish');
}

it('pulls 100,000 events from a 40 MB file with heap growth far below the file size', { timeout: 60_000 }, async () => {
  const file = path.join(baseDir, 'large.ics');
  await writeLargeExport(file);
  const size = (await stat(file)).size;
  expect(size).toBeGreaterThan(30_000_000);

  // A full collection before each sample, so the samples show what is kept, not garbage not yet collected.
  const gc = collectGarbage;
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sample = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  // Also sampled by time: the first pass (the index) yields no records to count by.
  const timer = setInterval(sample, 250);
  let count = 0;
  try {
    for await (const record of icsConnector({ files: ['large.ics'] }).pull(testPullContext('cal', baseDir))) {
      count++;
      if (count % 1000 === 0) sample();
      if (count === 1) expect(record.id).toBe('booking-0@memory.example');
    }
  } finally {
    clearInterval(timer);
  }
  sample();
  expect(count).toBe(EVENTS);
  expect(peak - baseline).toBeLessThan(size / 3);
});
