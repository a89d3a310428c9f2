import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvConnector, parseWriteTime, countLineBreaks, type CsvSourceOptions } from '../../connectors/csv/connector.js';
import { SourceInputError, type PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { TEST_WINDOW, testPullContext } from '../support/pull-context.js';
import { scratchPerTest } from '../support/scratch-dir.js';

const OBSERVED_AT = '2026-04-26T08:00:00.000Z';
const SINCE = new Date('2026-01-19T00:00:00Z');

const scratch = scratchPerTest('salvage-csv-');
const logs = scratch.logs;

function pullContext(): PullContext {
  return testPullContext('ledger', scratch.dir, (message) => logs.push(message), { observedAt: OBSERVED_AT, window: { ...TEST_WINDOW, since: SINCE } });
}

async function writeFixture(relativePath: string, content: string | Buffer): Promise<void> {
  const absolute = path.join(scratch.dir, relativePath);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
}

async function pull(options: CsvSourceOptions): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of csvConnector(options).pull(pullContext())) records.push(record);
  return records;
}

/** Pulls until the connector throws; returns what was yielded before and the error. */
async function pullUntilError(options: CsvSourceOptions): Promise<{ records: SourceRecord[]; error: unknown }> {
  const records: SourceRecord[] = [];
  try {
    for await (const record of csvConnector(options).pull(pullContext())) records.push(record);
  } catch (error) {
    return { records, error };
  }
  return { records, error: undefined };
}

function lineOf(record: SourceRecord): number {
  return Number(record.id.slice(record.id.lastIndexOf('#L') + 2));
}

describe('csv connector: records', () => {
  it('yields one csv.row per data row with the envelope, id and ref of its line', async () => {
    await writeFixture('exports/customers.csv', 'id,name,note\n1,Ada, spaced \n2,Bob,\n');
    const records = await pull({ files: ['exports/*.csv'] });
    expect(records).toEqual([
      {
        source: 'ledger',
        type: 'csv.row',
        id: 'exports/customers.csv#L2',
        ref: 'file://exports/customers.csv#L2',
        observedAt: OBSERVED_AT,
        data: { id: '1', name: 'Ada', note: ' spaced ' },
      },
      {
        source: 'ledger',
        type: 'csv.row',
        id: 'exports/customers.csv#L3',
        ref: 'file://exports/customers.csv#L3',
        observedAt: OBSERVED_AT,
        data: { id: '2', name: 'Bob', note: '' },
      },
    ]);
  });

  it('strips a UTF-8 byte order mark from the first header name', async () => {
    await writeFixture('bom.csv', '\uFEFFid,email\n7,a@example.com\n');
    const [record] = await pull({ files: ['bom.csv'] });
    expect(Object.keys(record!.data)).toEqual(['id', 'email']);
    expect(record!.data).toEqual({ id: '7', email: 'a@example.com' });
  });

  it('reads CRLF and LF line ends mixed in one file and numbers lines physically', async () => {
    await writeFixture('mixed.csv', 'id,v\r\n1,a\n2,b\r\n3,c\r4,d');
    const records = await pull({ files: ['mixed.csv'] });
    expect(records.map((r) => [lineOf(r), r.data])).toEqual([
      [2, { id: '1', v: 'a' }],
      [3, { id: '2', v: 'b' }],
      [4, { id: '3', v: 'c' }],
      [5, { id: '4', v: 'd' }],
    ]);
  });

  it('keeps quoted newlines and quotes, and numbers the following rows by the line they start on', async () => {
    const csv = [
      'id,comment,amount',
      '1,"first line',
      'second ""quoted"" line',
      'third line",10',
      '2,"crlf\r\ninside",20',
      '3,plain,30',
      '',
    ].join('\n');
    await writeFixture('quoted.csv', csv);
    const records = await pull({ files: ['quoted.csv'] });
    expect(records.map((r) => r.id)).toEqual(['quoted.csv#L2', 'quoted.csv#L5', 'quoted.csv#L7']);
    expect(records[0]!.data).toEqual({ id: '1', comment: 'first line\nsecond "quoted" line\nthird line', amount: '10' });
    expect(records[1]!.data).toEqual({ id: '2', comment: 'crlf\r\ninside', amount: '20' });
    expect(records[2]!.ref).toBe('file://quoted.csv#L7');
  });

  it('skips blank lines but still counts them', async () => {
    await writeFixture('blank.csv', 'id\n\n1\r\n\r\n\n2\n\n');
    const records = await pull({ files: ['blank.csv'] });
    expect(records.map((r) => [lineOf(r), r.data.id])).toEqual([
      [3, '1'],
      [6, '2'],
    ]);
  });

  it('numbers rows exactly across stream chunk boundaries in a large file with many multi-line fields', async () => {
    // Long enough (> 64 KiB) that the file stream cuts it in several places.
    const lines = ['id,text,n'];
    const expected: Array<[number, string]> = [];
    let line = 2;
    const endings = ['\n', '\r\n', '\r'];
    for (let i = 0; i < 3000; i++) {
      const breaks = i % 4;
      const text = Array.from({ length: breaks + 1 }, (_, k) => `part ${k} of "row" ${i}`).join(endings[i % 3]);
      const quoted = `"${text.replaceAll('"', '""')}"`;
      lines.push(`${i},${quoted},${i * 2}`);
      expected.push([line, String(i)]);
      line += breaks + 1;
    }
    const content = lines.map((row, index) => row + endings[(index * 7) % 3]).join('');
    expect(content.length).toBeGreaterThan(3 * 64 * 1024);
    await writeFixture('large.csv', content);
    const records = await pull({ files: ['large.csv'] });
    expect(records.map((r) => [lineOf(r), r.data.id])).toEqual(expected);
    expect(records[1]!.data.text).toBe('part 0 of "row" 1\r\npart 1 of "row" 1');
  });
});

describe('csv connector: delimiters and encodings', () => {
  it('detects a semicolon delimiter from the header line', async () => {
    await writeFixture('semi.csv', 'id;name;amount\n1;Zoë;"1,50"\n');
    const [record] = await pull({ files: ['semi.csv'] });
    expect(record!.data).toEqual({ id: '1', name: 'Zoë', amount: '1,50' });
  });

  it('detects a tab delimiter from the header line', async () => {
    await writeFixture('tabs.tsv', 'id\tname, full\tcity\n1\tDoe, Jane\tOslo\n');
    const [record] = await pull({ files: ['*.tsv'] });
    expect(record!.data).toEqual({ id: '1', 'name, full': 'Doe, Jane', city: 'Oslo' });
  });

  it('ignores delimiters inside quoted header names when detecting', async () => {
    await writeFixture('quoted-header.csv', '"a;b;c",d\n1,2\n');
    const [record] = await pull({ files: ['quoted-header.csv'] });
    expect(record!.data).toEqual({ 'a;b;c': '1', d: '2' });
  });

  it('uses an explicit delimiter when one is given', async () => {
    await writeFixture('pipe.csv', 'id|name,with comma\n1|x,y\n');
    const [record] = await pull({ files: ['pipe.csv'], delimiter: '|' });
    expect(record!.data).toEqual({ id: '1', 'name,with comma': 'x,y' });
  });

  it('decodes latin1 files', async () => {
    await writeFixture('latin1.csv', Buffer.from('name;city\nZoë;Tromsø\nJosé;Málaga\n', 'latin1'));
    const records = await pull({ files: ['latin1.csv'], encoding: 'latin1' });
    expect(records.map((r) => r.data)).toEqual([
      { name: 'Zoë', city: 'Tromsø' },
      { name: 'José', city: 'Málaga' },
    ]);
  });

  it('decodes utf16le files with a byte order mark', async () => {
    await writeFixture('utf16.csv', Buffer.from('\uFEFFname,city\r\nZoë,Tromsø\r\n', 'utf16le'));
    const [record] = await pull({ files: ['utf16.csv'], encoding: 'utf16le' });
    expect(record!.data).toEqual({ name: 'Zoë', city: 'Tromsø' });
    expect(record!.id).toBe('utf16.csv#L2');
  });
});

describe('csv connector: imperfect files', () => {
  it('keeps short and long rows whole and warns with file:line', async () => {
    await writeFixture('ragged.csv', 'a,b,c\n1,2\n1,2,3,4,5\n1,2,3\n');
    const records = await pull({ files: ['ragged.csv'] });
    expect(records.map((r) => r.data)).toEqual([
      { a: '1', b: '2' },
      { a: '1', b: '2', c: '3', _extra: ['4', '5'] },
      { a: '1', b: '2', c: '3' },
    ]);
    expect(logs).toContainEqual(expect.stringMatching(/ragged\.csv:2: .*2 cells.*header has 3/));
    expect(logs).toContainEqual(expect.stringMatching(/ragged\.csv:3: .*5 cells.*_extra/));
  });

  it('keeps extra cells apart from a column that is itself called _extra', async () => {
    await writeFixture('extra.csv', 'id,_extra\n1,own,spill\n');
    const [record] = await pull({ files: ['extra.csv'] });
    expect(record!.data).toEqual({ id: '1', _extra: 'own', _extra_2: ['spill'] });
  });

  it('shows a few ragged-row warnings per file and sums up the rest', async () => {
    const rows = ['a,b', ...Array.from({ length: 12 }, (_, i) => `${i}`)];
    await writeFixture('many-ragged.csv', rows.join('\n'));
    const records = await pull({ files: ['many-ragged.csv'] });
    expect(records).toHaveLength(12);
    expect(logs.filter((message) => message.includes('cells but the header'))).toHaveLength(5);
    expect(logs).toContainEqual(expect.stringMatching(/many-ragged\.csv: 7 more ragged warnings not shown \(12 in all\)/));
  });

  it('renames duplicate header names with numeric suffixes and warns', async () => {
    await writeFixture('dupes.csv', 'email,name,email,email\nA,B,C,D\n');
    const [record] = await pull({ files: ['dupes.csv'] });
    expect(record!.data).toEqual({ email: 'A', name: 'B', email_2: 'C', email_3: 'D' });
    expect(logs).toContainEqual(expect.stringMatching(/dupes\.csv:1: duplicate column "email" \(column 3\) renamed to "email_2"/));
  });

  it('never lets a renamed duplicate collide with an existing header', async () => {
    await writeFixture('collide.csv', 'a,a,a_2\n1,2,3\n');
    const [record] = await pull({ files: ['collide.csv'] });
    expect(record!.data).toEqual({ a: '1', a_3: '2', a_2: '3' });
  });

  it('names a header cell that is empty after its position', async () => {
    await writeFixture('pandas.csv', ',name\n0,Ada\n');
    const [record] = await pull({ files: ['pandas.csv'] });
    expect(record!.data).toEqual({ column_1: '0', name: 'Ada' });
  });

  it('keeps a column called __proto__ as plain data', async () => {
    await writeFixture('proto.csv', '__proto__,x\nevil,1\n');
    const [record] = await pull({ files: ['proto.csv'] });
    expect(Object.getPrototypeOf(record!.data)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(record!.data))).toEqual(JSON.parse('{"__proto__":"evil","x":"1"}'));
  });

  it('rejects the row of an unclosed quote (with the lines it swallowed) at file:line with advice, and reads the next file', async () => {
    await writeFixture('a-broken.csv', 'id,note\n1,fine\n2,"multi\nline"\n3,"never closed\n4,more\n');
    await writeFixture('b-fine.csv', 'id,note\n9,next file\n');
    const { records, error } = await pullUntilError({ files: ['*.csv'] });
    expect(error).toBeUndefined();
    expect(records.map((r) => r.id)).toEqual(['a-broken.csv#L2', 'a-broken.csv#L3', 'b-fine.csv#L2']);
    const rejected = logs.filter((l) => l.startsWith('rejected: '));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/^rejected: a-broken\.csv:5-6: csv row: a quoted field opened in the row starting here is never closed.*pull again/);
  });

  it('reads a stray quote inside an unquoted field as written, with a warning at its row (relax_quotes)', async () => {
    // All in one stream chunk: the parser sees the odd row before the reader takes the good ones.
    await writeFixture('stray.csv', 'id,size\n1,"multi\nline"\n2,ok\n3,5" screen\n4,37°36\'37.8"N\n');
    const records = await pull({ files: ['stray.csv'] });
    expect(records.map((r) => [lineOf(r), r.data.size])).toEqual([[2, 'multi\nline'], [4, 'ok'], [5, '5" screen'], [6, '37°36\'37.8"N']]);
    expect(logs.filter((l) => l.includes('quote inside an unquoted field')).map((l) => l.split(': ')[1])).toEqual(['stray.csv:5', 'stray.csv:6']);
    expect(logs.some((l) => l.startsWith('rejected'))).toBe(false);
  });

  it('keeps text after a closing quote as written, with a warning; doubled quotes in a quoted field are no warning', async () => {
    await writeFixture('closing.csv', 'a,b\n1,"x"y\n2,"fine ""quoted"""\n');
    const records = await pull({ files: ['closing.csv'] });
    expect(records.map((r) => r.data.b)).toEqual(['"x"y', 'fine "quoted"']);
    expect(logs.filter((l) => l.startsWith('warning'))).toEqual([expect.stringMatching(/^warning: closing\.csv:2: a quote inside an unquoted field/)]);
  });
});

describe('csv connector: files', () => {
  it('reads every file a pattern matches, sorted, with forward-slash relative paths', async () => {
    await writeFixture('exports/b/2.csv', 'k\nb2\n');
    await writeFixture('exports/a.csv', 'k\na\n');
    await writeFixture('exports/b/1.csv', 'k\nb1\n');
    const records = await pull({ files: ['exports/**/*.csv', 'exports/a.csv'] });
    expect(records.map((r) => r.id)).toEqual(['exports/a.csv#L2', 'exports/b/1.csv#L2', 'exports/b/2.csv#L2']);
    expect(records.map((r) => r.data.k)).toEqual(['a', 'b1', 'b2']);
  });

  it('reads a literal file name that contains glob syntax', async () => {
    await writeFixture('export (1).csv', 'k\nv\n');
    const [record] = await pull({ files: ['export (1).csv'] });
    expect(record!.id).toBe('export (1).csv#L2');
  });

  it('rejects a pattern that matches no file, naming the pattern and the directory', async () => {
    await writeFixture('exports/a.csv', 'k\nv\n');
    const { records, error } = await pullUntilError({ files: ['exports/a.csv', 'exprots/*.csv'] });
    expect(records).toEqual([]);
    expect(error).toBeInstanceOf(SourceInputError);
    expect((error as Error).message).toContain('"exprots/*.csv"');
    expect((error as Error).message).toContain(scratch.dir);
  });

  it('yields nothing for a file with only a header', async () => {
    await writeFixture('empty.csv', 'id,name\r\n');
    expect(await pull({ files: ['empty.csv'] })).toEqual([]);
  });
});

describe('csv connector: write-time columns and the window', () => {
  it('reads created/updated columns, skips rows last written before the window and keeps unreadable ones', async () => {
    const csv = [
      'id,created,updated',
      'old,2025-12-01 10:00:00,2025-12-02 10:00:00',
      'new,2026-03-01 10:00:00,',
      'touched,2025-06-01T00:00:00Z,2026-02-01T12:00:00+01:00',
      'garbled,yesterday,',
      'unknown,,',
      'edge,2026-01-19 00:00:00,',
    ].join('\n');
    await writeFixture('charges.csv', csv);
    const records = await pull({ files: ['charges.csv'], createdColumn: 'created', updatedColumn: 'updated' });
    expect(records.map((r) => [r.data.id, r.createdAt, r.updatedAt])).toEqual([
      ['new', '2026-03-01T10:00:00.000Z', undefined],
      ['touched', '2025-06-01T00:00:00.000Z', '2026-02-01T11:00:00.000Z'],
      ['garbled', undefined, undefined],
      ['unknown', undefined, undefined],
      ['edge', '2026-01-19T00:00:00.000Z', undefined],
    ]);
    expect(records[0]!.id).toBe('charges.csv#L3');
    expect(logs).toContainEqual(expect.stringMatching(/charges\.csv:5: cannot read "yesterday" in column "created"/));
    expect(logs).toContainEqual(
      'csv: skipped 1 of 6 rows last written before 2026-01-19T00:00:00.000Z (by "created" and "updated")',
    );
  });

  it('filters nothing without time columns', async () => {
    await writeFixture('plain.csv', 'id,created\nold,2000-01-01 00:00:00\n');
    const records = await pull({ files: ['plain.csv'] });
    expect(records).toHaveLength(1);
    expect(records[0]!.createdAt).toBeUndefined();
    expect(logs.some((message) => message.includes('skipped'))).toBe(false);
  });

  it('warns and keeps every row when the configured column is missing from a file', async () => {
    await writeFixture('nocol.csv', 'id,when\nold,2000-01-01\n');
    const records = await pull({ files: ['nocol.csv'], createdColumn: 'created' });
    expect(records).toHaveLength(1);
    expect(logs).toContainEqual(expect.stringMatching(/nocol\.csv:1: createdColumn "created" is not a column/));
  });
});

describe('parseWriteTime', () => {
  it.each([
    ['2026-03-01 10:00:00', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00:00.123456Z', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01T10:00:00+02:00', '2026-03-01T08:00:00.000Z'],
    ['2026-03-01T10:00:00-0530', '2026-03-01T15:30:00.000Z'],
    ['2026-03-01 10:00', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    [' 2026-03-01 10:00:00 ', '2026-03-01T10:00:00.000Z'],
  ])('reads %j as %s', (text, expected) => {
    expect(parseWriteTime(text)).toBe(expected);
  });

  it.each(['', 'yesterday', '2026-02-30 10:00:00', '2026-13-01', '2026-03-01 25:00:00', '03/01/2026', '1767225600'])(
    'rejects %j',
    (text) => {
      expect(parseWriteTime(text)).toBeUndefined();
    },
  );
});

describe('countLineBreaks', () => {
  it('counts CRLF, LF and CR as one break each', () => {
    expect(countLineBreaks('no break')).toBe(0);
    expect(countLineBreaks('a\r\nb\nc\rd')).toBe(3);
    expect(countLineBreaks('\n\n')).toBe(2);
    expect(countLineBreaks('\r\r\n')).toBe(2);
  });
});

describe('csv connector: a large export', () => {
  // Its speed is measured by bench/csv-parse.ts, not here: a timed bound fails on a busy machine.
  it('streams 100k rows, every one with its line', async () => {
    const header = 'id,name,email,amount,created,note\n';
    const row = (i: number) => `${i},Name ${i},user${i}@example.com,${i * 3},2026-03-01 10:00:00,"a, ""b"""\n`;
    await writeFixture('big.csv', header + Array.from({ length: 100_000 }, (_, i) => row(i)).join(''));
    let count = 0;
    let last: SourceRecord | undefined;
    for await (const record of csvConnector({ files: ['big.csv'], createdColumn: 'created' }).pull(pullContext())) {
      count++;
      last = record;
    }
    expect(count).toBe(100_000);
    expect(last!.id).toBe('big.csv#L100001');
  });
});

describe('csv connector: an empty export', () => {
  it('warns that the file is empty instead of reading it as "no rows" without a word', async () => {
    await writeFixture('exports/a.csv', 'id,name\n1,Ada\n');
    await writeFixture('exports/b.csv', '');
    const records = await pull({ files: ['exports/*.csv'] });
    expect(records).toHaveLength(1);
    expect(logs).toContain('warning: exports/b.csv is empty (0 bytes): no records come from it; check that the export finished');
  });
});
