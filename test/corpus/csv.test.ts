/**
 * Corpus, CSV: exports as they really arrive (BOM, mixed line ends, quoted newlines and
 * quotes, `;` and tab, ragged rows, Latin-1), and a multi-gigabyte export streamed in
 * constant memory.
 *
 * The large file is generated for the test and deleted afterwards. Its size is
 * SALVAGE_CORPUS_CSV_MB (default 256, which runs in about 10 s and already holds
 * millions of rows; set 2048 for the full 2 GB run). The connector only reads regular
 * files (a FIFO is not matched by its file patterns), so the file goes to the temp
 * directory when there is room, and shrinks to what fits otherwise.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvConnector, type CsvSourceOptions } from '../../connectors/csv/connector.js';
import { loadConfig } from '../../src/config/load.js';
import { pull } from '../../src/pull/pull.js';
import type { PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { csvText } from './csv-text.js';
import { caseDir, OBSERVED_WINDOW, readRecords, writeFiles } from './support.js';
import { testPullContext } from '../support/pull-context.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

let dir: string;
let logs: string[];

beforeEach(async () => {
  dir = await caseDir('csv');
  logs = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function context(): PullContext {
  return testPullContext('ledger', dir, (line) => logs.push(line));
}

async function rows(options: CsvSourceOptions): Promise<Array<[number, Record<string, unknown>]>> {
  const out: Array<[number, Record<string, unknown>]> = [];
  for await (const record of csvConnector(options).pull(context())) out.push([Number(record.id.split('#L')[1]), record.data]);
  return out;
}

async function failure(options: CsvSourceOptions): Promise<{ rows: number; error: unknown }> {
  let n = 0;
  try {
    for await (const _ of csvConnector(options).pull(context())) n++;
  } catch (error) {
    return { rows: n, error };
  }
  return { rows: n, error: undefined };
}

describe('corpus: CSV exports as they arrive', () => {
  it('a BOM, CRLF/LF/CR mixed, quoted newlines and doubled quotes, and ragged rows: every cell kept, every row at its physical line', async () => {
    const text =
      '\uFEFFid,name,comment,amount\r\n' + // line 1, BOM + CRLF
      '1,"Ødegård, Zoë","said ""hi""\r\nthen left",10.00\n' + // lines 2-3
      '2,Bob,"multi\nline\rwith CR",20\r' + // lines 4-6
      '3,Short\r\n' + // line 7: two cells short
      '4,Long,x,40,extra1,"extra, 2"\n' + // line 8: two cells long
      '\n' + // line 9: blank
      '5,"",,"0"'; // line 10: no final newline, empty quoted vs empty unquoted
    await writeFiles(dir, { 'mixed.csv': text });
    expect(await rows({ files: ['mixed.csv'] })).toEqual([
      [2, { id: '1', name: 'Ødegård, Zoë', comment: 'said "hi"\r\nthen left', amount: '10.00' }],
      [4, { id: '2', name: 'Bob', comment: 'multi\nline\rwith CR', amount: '20' }],
      [7, { id: '3', name: 'Short' }],
      [8, { id: '4', name: 'Long', comment: 'x', amount: '40', _extra: ['extra1', 'extra, 2'] }],
      [10, { id: '5', name: '', comment: '', amount: '0' }],
    ]);
    expect(logs.filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: mixed.csv:7: row has 2 cells but the header has 4; the missing trailing columns are left out',
      'warning: mixed.csv:8: row has 6 cells but the header has 4; the extra cells are kept in "_extra"',
    ]);
  });

  it('detects `;` (with decimal commas) and tab delimiters, delimiters inside quotes included', async () => {
    const semicolon = csvText(['id', 'navn', 'beløp'], [['1', 'Ås; Bø', '1.234,50'], ['2', 'Sæther', '-0,07']], { delimiter: ';', eol: '\r\n' });
    const tab = csvText(['id', 'name\twith tab', 'note'], [['1', 'a\tb', 'c, d; e']], { delimiter: '\t' });
    await writeFiles(dir, { 'semi.csv': semicolon.text, 'tab.tsv': tab.text });
    expect(await rows({ files: ['semi.csv'] })).toEqual([
      [2, { id: '1', navn: 'Ås; Bø', beløp: '1.234,50' }],
      [3, { id: '2', navn: 'Sæther', beløp: '-0,07' }],
    ]);
    expect(await rows({ files: ['tab.tsv'] })).toEqual([[2, { id: '1', 'name\twith tab': 'a\tb', note: 'c, d; e' }]]);
  });

  it('an unclosed quote costs its row and the lines it swallowed, named with advice; the rows before it are read', async () => {
    await writeFiles(dir, { 'broken.csv': 'id,note\n1,ok\n2,"never closed\n3,lost\n' });
    const { rows: before, error } = await failure({ files: ['broken.csv'] });
    expect(error).toBeUndefined();
    expect(before).toBe(1);
    expect(logs.filter((l) => l.startsWith('rejected'))).toEqual([expect.stringMatching(/^rejected: broken\.csv:3-4: csv row: a quoted field opened in the row starting here is never closed/)]);
  });

  it('Latin-1 with `encoding: latin1`: decoded exactly, stored as UTF-8 in the records file', async () => {
    const latin1 = Buffer.from('id;navn;by\r\n1;Ødegård;Tromsø\r\n2;café «crème»;Zürich ±5°\r\n', 'latin1');
    await writeFiles(dir, {
      'exports/kunder.csv': latin1,
      'salvage.yaml': `job: ./job\n${OBSERVED_WINDOW}\nsources:\n  kunder: { kind: csv, files: [exports/kunder.csv], encoding: latin1 }\n`,
    });
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    const [summary] = await pull({ config });
    expect(summary?.records).toBe(2);
    expect((await readRecords(config.jobDir, 'kunder')).map((r) => r.data)).toEqual([
      { id: '1', navn: 'Ødegård', by: 'Tromsø' },
      { id: '2', navn: 'café «crème»', by: 'Zürich ±5°' },
    ]);
  });

  it('Excel on Windows (cp1252) with `encoding: windows-1252`: €, curly quotes and dashes decoded as written', async () => {
    // 0x80 €, 0x93/0x94 curly double quotes, 0x96 en dash, 0x85 ellipsis: the bytes Node 20.20's TextDecoder turns into C1 controls.
    const bytes = Buffer.concat([Buffer.from('id;vare;pris\r\n1;', 'latin1'), Buffer.from([0x93]), Buffer.from('Kaffe', 'latin1'), Buffer.from([0x94, 0x20, 0x96, 0x20]), Buffer.from('stor', 'latin1'), Buffer.from([0x85]), Buffer.from(';', 'latin1'), Buffer.from([0x80]), Buffer.from(' 40\r\n', 'latin1')]);
    await writeFiles(dir, { 'excel.csv': bytes });
    expect(await rows({ files: ['excel.csv'], encoding: 'windows-1252' })).toEqual([[2, { id: '1', vare: '“Kaffe” – stor…', pris: '€ 40' }]]);
    expect(logs.filter((l) => l.startsWith('warning'))).toEqual([]);
  });

  it('the same cp1252 bytes with `encoding: latin1`: read, with a warning that names windows-1252', async () => {
    const bytes = Buffer.concat([Buffer.from('id,pris\r\n1,', 'latin1'), Buffer.from([0x80]), Buffer.from(' 40\r\n2,fine\r\n', 'latin1')]);
    await writeFiles(dir, { 'excel.csv': bytes });
    expect(await rows({ files: ['excel.csv'], encoding: 'latin1' })).toEqual([[2, { id: '1', pris: '\u0080 40' }], [3, { id: '2', pris: 'fine' }]]);
    expect(logs.filter((l) => l.startsWith('warning'))).toEqual([expect.stringMatching(/^warning: excel\.csv:2: this row holds invisible control characters \(U\+0080–U\+009F\).*set encoding: windows-1252/)]);
  });

  it('any iconv label is accepted for `encoding` (cp1252, Shift_JIS), and an unknown one is refused by the config check', async () => {
    await writeFiles(dir, { 'sjis.csv': Buffer.from([0x69, 0x64, 0x2c, 0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x31, 0x2c, 0x93, 0xfa, 0x96, 0x7b, 0x0a]) });
    expect(await rows({ files: ['sjis.csv'], encoding: 'shift_jis' })).toEqual([[2, { id: '1', name: '日本' }]]);
    await writeFiles(dir, { 'salvage.yaml': `job: ./job\n${OBSERVED_WINDOW}\nsources:\n  a: { kind: csv, files: [sjis.csv], encoding: cp1252 }\n  b: { kind: csv, files: [sjis.csv], encoding: klingon-8 }\n` });
    await expect(loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS })).rejects.toThrow(/sources\.b\.encoding.*unknown encoding/s);
  });

  // Fixed bug: a Latin-1 export read as UTF-8 (the default) turned every non-ASCII letter into
  // U+FFFD without a word: names are silently destroyed. Expected: an error at the first
  // undecodable line that says to set `encoding: latin1`.
  it('Latin-1 without `encoding:`: each undecodable row is rejected at its line, naming the option; the others are read', async () => {
    await writeFiles(dir, { 'kunder.csv': Buffer.from('id;navn\r\n1;Anne\r\n2;Ødegård\r\n', 'latin1') });
    expect((await rows({ files: ['kunder.csv'] })).map(([line]) => line)).toEqual([2]);
    expect(logs.filter((l) => l.startsWith('rejected'))).toEqual([expect.stringMatching(/^rejected: kunder\.csv:3: csv row: .*not valid UTF-8.*encoding: windows-1252/)]);
  });

  it('UTF-16LE with a BOM and `encoding: utf16le`', async () => {
    await writeFiles(dir, { 'u16.csv': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\r\n1,Zoë 🚣\r\n', 'utf16le')]) });
    expect(await rows({ files: ['u16.csv'], encoding: 'utf16le' })).toEqual([[2, { id: '1', name: 'Zoë 🚣' }]]);
  });
});

// ---------------------------------------------------------------------------
// The large export

const REQUESTED_MB = Number(process.env.SALVAGE_CORPUS_CSV_MB ?? 256);
const RSS_GROWTH_LIMIT = 200 * 1024 * 1024;

/** Writes a CSV of about `bytes` with multi-line quoted cells; returns its data row count. */
async function generateCsv(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  out.write('id,email,amount,note\n');
  let written = 0;
  let rowsWritten = 0;
  while (written < bytes) {
    let chunk = '';
    for (let k = 0; k < 2000; k++) {
      rowsWritten++;
      chunk += `${rowsWritten},user${rowsWritten}@example.com,${(rowsWritten % 100_000) / 100},"note, with ""quotes"" and\nnewline ${rowsWritten}"\n`;
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rowsWritten;
}

describe('corpus: a CSV export of gigabytes streams in constant memory', () => {
  it(`reads every row of a ${REQUESTED_MB} MB export with bounded memory`, async () => {
    const free = await statfs(os.tmpdir()).then((s) => s.bavail * s.bsize);
    const megabytes = Math.min(REQUESTED_MB, Math.floor(free / 2 / 1024 / 1024));
    if (megabytes < 16) {
      console.warn(`corpus: only ${Math.round(free / 1e6)} MB free in ${os.tmpdir()}; the large-CSV case needs at least 32 MB`);
      return;
    }
    if (megabytes < REQUESTED_MB) console.warn(`corpus: large CSV shrunk to ${megabytes} MB to fit ${os.tmpdir()}`);
    const file = path.join(dir, 'big.csv');
    const expected = await generateCsv(file, megabytes * 1024 * 1024);

    const started = performance.now();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let count = 0;
    let last: SourceRecord | undefined;
    for await (const record of csvConnector({ files: ['big.csv'] }).pull(context())) {
      count++;
      last = record;
      if ((count & 0xffff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    await rm(file, { force: true });
    const seconds = (performance.now() - started) / 1000;
    console.info(`corpus: ${megabytes} MB CSV, ${count} rows in ${seconds.toFixed(1)} s, RSS growth ${Math.round((peak - baseline) / 1e6)} MB`);

    expect(count).toBe(expected);
    // Each row spans two physical lines (a quoted newline): the last row starts on line 2n.
    expect(last?.id).toBe(`big.csv#L${2 * expected}`);
    expect(last?.data).toEqual({ id: String(expected), email: `user${expected}@example.com`, amount: String((expected % 100_000) / 100), note: `note, with "quotes" and\nnewline ${expected}` });
    expect(peak - baseline).toBeLessThan(RSS_GROWTH_LIMIT);
  }, 600_000);
});
