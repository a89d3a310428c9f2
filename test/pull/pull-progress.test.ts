import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { pull } from '../../src/pull/pull.js';
import { liveLineWanted } from '../../src/runtime/live-line.js';
import { NO_PROGRESS, TerminalProgress, type Progress } from '../../src/runtime/progress.js';
import { tempJobDir } from '../support/flow.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

/**
 * pull() draws the sources' counts on the live line of the progress its caller hands it,
 * and on nothing else: `salvage pull --no-progress` (and the library's default) draws
 * nothing. Real config, real eml connector; only stderr is made to look like a terminal
 * and recorded.
 */

/** What the CLI hands pull: a bar on stderr when a live line is wanted there (progressFor). */
const cliProgress = (enabled = true): Progress => (liveLineWanted(process.stderr, enabled) ? new TerminalProgress(process.stderr) : NO_PROGRESS);

let dir: string;
let written: string[];
let wasTTY: boolean | undefined;

beforeEach(async () => {
  dir = await tempJobDir('pull-progress');
  await mkdir(path.join(dir, 'mail'));
  await writeFile(
    path.join(dir, 'mail', 'a.eml'),
    ['From: bookings@fjordkayaks.example', 'Subject: Booking confirmed', 'Date: Tue, 10 Mar 2026 10:00:00 +0000', 'Message-ID: <a@x>', '', 'See you.', ''].join('\r\n'),
  );
  await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  mailfiles: { kind: eml, files: [mail/*.eml] }\n');
  wasTTY = process.stderr.isTTY;
  Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
  written = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((text: string | Uint8Array) => {
    written.push(String(text));
    return true;
  });
  vi.stubEnv('CI', '');
  vi.stubEnv('TERM', 'xterm-256color');
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  Object.defineProperty(process.stderr, 'isTTY', { value: wasTTY, configurable: true });
  await rm(dir, { recursive: true, force: true });
});

async function pullMail(progress: Progress = cliProgress()): Promise<string[]> {
  const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
  const log: string[] = [];
  const [summary] = await pull({ config, log: (l) => log.push(l), progress });
  expect(summary?.records).toBe(1);
  return log;
}

const liveLines = () => written.filter((t) => t.startsWith('\r'));

describe('pull progress on a terminal', () => {
  it('draws the live line by default, for the headers pass and then the messages, and clears it before the totals are logged', async () => {
    const log = await pullMail();
    expect(liveLines()[0]).toMatch(/^\reml headers: 0 messages \(\d+\/s\)\x1b\[K$/);
    expect(liveLines()).toContainEqual(expect.stringMatching(/^\reml: 1 messages \(\d+\/s\)\x1b\[K$/));
    expect(liveLines().at(-1)).toBe('\r\x1b[K');
    // The headers pass logs no totals of its own: the summary line says them.
    expect(log.filter((l) => l.includes('headers'))).toEqual([]);
  });

  it('mbox: the headers pass that reads the whole archive has its line before the first message is parsed', async () => {
    const message = (n: number) => [`From - Tue Mar 10 10:0${n}:00 2026`, 'From: bookings@fjordkayaks.example', `Subject: Booking ${n}`, 'Date: Tue, 10 Mar 2026 10:00:00 +0000', `Message-ID: <m${n}@x>`, '', 'See you.', ''];
    await writeFile(path.join(dir, 'mail', 'archive.mbox'), [...message(1), ...message(2), ...message(3)].join('\n'));
    await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  archive: { kind: eml, files: [mail/*.mbox] }\n');
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    const [summary] = await pull({ config, log: () => undefined, progress: cliProgress() });
    expect(summary?.records).toBe(3);
    const lines = liveLines();
    expect(lines[0]).toMatch(/^\reml headers: 0 messages \(\d+\/s\)\x1b\[K$/);
    const messagesLine = lines.findIndex((t) => t.startsWith('\reml: '));
    expect(messagesLine).toBeGreaterThan(0);
    // Cleared between the two passes: the messages' line starts on an empty row.
    expect(lines[messagesLine - 1]).toBe('\r\x1b[K');
    expect(lines.at(-1)).toBe('\r\x1b[K');
  });

  it('mbox off a terminal: nothing drawn, the summary logged as before', async () => {
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    await writeFile(path.join(dir, 'mail', 'archive.mbox'), ['From - Tue Mar 10 10:00:00 2026', 'From: a@x.example', 'Date: Tue, 10 Mar 2026 10:00:00 +0000', 'Message-ID: <m@x>', '', 'Hi.', ''].join('\n'));
    await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  archive: { kind: eml, files: [mail/*.mbox] }\n');
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    const log: string[] = [];
    await pull({ config, log: (l) => log.push(l) });
    expect(written).toEqual([]);
    expect(log).toContainEqual(expect.stringMatching(/^archive: 1 messages in \d+\.\ds$/));
    expect(log).toContainEqual('archive: eml: 1 messages and 0 calendar events from 1 files; copies already read: 0, outside the window: 0');
  });

  it('clears the line before a log line written while it shows, and draws it again after', async () => {
    // Same Message-ID, another body: the eml connector warns about it after the first message drew the line.
    await writeFile(
      path.join(dir, 'mail', 'b.eml'),
      ['From: bookings@fjordkayaks.example', 'Subject: Booking changed', 'Date: Tue, 10 Mar 2026 11:00:00 +0000', 'Message-ID: <a@x>', '', 'New time.', ''].join('\r\n'),
    );
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    // Logged to the same stderr, as the CLI does.
    await pull({ config, log: (l) => process.stderr.write(`${l}\n`), progress: cliProgress() });
    const warning = written.findIndex((t) => t.startsWith('mailfiles: warning: ') && t.includes('the Message-ID <a@x> is also on'));
    expect(warning).toBeGreaterThan(1);
    expect(written[warning - 2]).toMatch(/^\reml: 1 messages \(\d+\/s\)\x1b\[K$/);
    expect(written[warning - 1]).toBe('\r\x1b[K');
    expect(written[warning]).toMatch(/^mailfiles: warning: [^\r\x1b]*\n$/);
    expect(written[warning + 1]).toBe(written[warning - 2]);
  });

  it('draws nothing with --no-progress, and still logs the totals', async () => {
    const log = await pullMail(cliProgress(false));
    expect(written).toEqual([]);
    expect(log).toContainEqual(expect.stringMatching(/^mailfiles: 1 messages in \d+\.\ds$/));
  });

  it('draws nothing when the caller hands it no progress (the library default), though stderr is a terminal', async () => {
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    const log: string[] = [];
    await pull({ config, log: (l) => log.push(l) });
    expect(written).toEqual([]);
    expect(log).toContainEqual(expect.stringMatching(/^mailfiles: 1 messages in \d+\.\ds$/));
  });

  it('draws nothing on TERM=dumb', async () => {
    vi.stubEnv('TERM', 'dumb');
    await pullMail();
    expect(written).toEqual([]);
  });
});

describe('pull progress on a terminal: CSV and ICS pulls draw a live line too', () => {
  it('csv: rows counted on the line, which is cleared before the totals', async () => {
    await writeFile(path.join(dir, 'rows.csv'), 'id,name\n1,Ada\n2,Bob\n');
    await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  ledger: { kind: csv, files: [rows.csv] }\n');
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    const [summary] = await pull({ config, log: () => undefined, progress: cliProgress() });
    expect(summary?.records).toBe(2);
    expect(liveLines()[0]).toMatch(/^\rcsv: 1 rows \(\d+\/s\)\x1b\[K$/);
    expect(liveLines().at(-1)).toBe('\r\x1b[K');
  });

  it('ics: events counted on the line, from the index pass on; --no-progress draws nothing', async () => {
    const event = (uid: string) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTART:20260704T090000Z', 'END:VEVENT'];
    await writeFile(path.join(dir, 'cal.ics'), ['BEGIN:VCALENDAR', 'VERSION:2.0', ...event('a'), ...event('b'), 'END:VCALENDAR', ''].join('\r\n'));
    await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  calendar: { kind: ics, files: [cal.ics] }\n');
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    const log: string[] = [];
    await pull({ config, log: (l) => log.push(l), progress: cliProgress() });
    // The index pass, which reads the whole file before the first event, is counted from its first event.
    expect(liveLines()[0]).toMatch(/^\rics: 1 events indexed \(\d+\/s\)\x1b\[K$/);
    expect(log.filter((l) => l.includes('indexed'))).toEqual([]);
    expect(liveLines().at(-1)).toBe('\r\x1b[K');
    written.length = 0;
    await pull({ config, log: () => undefined, progress: cliProgress(false) });
    expect(written).toEqual([]);
  });
});
