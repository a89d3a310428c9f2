/**
 * What reading a CSV export costs with the options the csv connector needs, on a generated
 * export of N rows (default 300,000) shaped like a payments export: dates, emails, amounts,
 * quoted descriptions with commas and doubled quotes, and one row in a hundred with a bare
 * quote in an unquoted field (`37°36'37.8"N`).
 *
 *   npm run build && node dist/bench/csv-parse.js [--rows 300000] [--runs 3]
 *
 * Variants, each the best of `runs` interleaved parses of the same file (csv-parse streaming from disk):
 * - strict:  no relax_quotes (a bare quote fails the row), no raw text: the reader before
 *            bare quotes were read;
 * - raw:     relax_quotes and the row's raw text, scanned for a bare quote (connectors/csv/connector.ts);
 * - info:    relax_quotes and each row's info (its byte offsets), without the raw text.
 * (A `cast` callback, which tells a quoted field from an unquoted one, measured 8x strict:
 * a context object per field; and it runs ahead of the rows it would mark.)
 * Prints a line per variant with its time relative to strict, and `BENCH {json}`.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse, type Options } from 'csv-parse';
import { hasBareQuote } from '../connectors/csv/connector.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '300000' }, runs: { type: 'string', default: '3' } } });
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);

function exportText(rows: number, bareQuotes: boolean): string {
  const lines = ['id,Created date (UTC),Customer Email,Customer Name,Amount,Currency,Status,Description,Location'];
  for (let n = 1; n <= rows; n++) {
    const description = n % 7 === 0 ? `"Booking B${n}, ""Double kayak"", 3 hours"` : `"Booking B${n}, single kayak"`;
    const location = bareQuotes && n % 100 === 0 ? `60°23'35.5"N` : 'Bergen';
    lines.push(`ch_${n.toString(36).padStart(8, '0')},2026-03-${String((n % 28) + 1).padStart(2, '0')} 10:${String(n % 60).padStart(2, '0')}:00,guest${n}@example.org,Guest ${n},${(n % 500) + 10}.00,eur,Paid,${description},${location}`);
  }
  return `${lines.join('\n')}\n`;
}

const COMMON: Options = { relax_column_count: true, record_delimiter: ['\r\n', '\n', '\r'], skip_empty_lines: false, skip_records_with_error: true, bom: true };

interface Variant {
  name: string;
  options: Options;
  /** Whether a row held a bare quote, from what the variant's parser gives. */
  bare: (item: unknown) => boolean;
}

const VARIANTS: Variant[] = [
  { name: 'strict', options: { ...COMMON }, bare: () => false },
  { name: 'raw', options: { ...COMMON, relax_quotes: true, raw: true }, bare: (item) => hasBareQuote((item as { raw: string }).raw, ',') },
  // What knowing each row's byte range costs (to read a row's text back only when a cell holds a quote).
  { name: 'info', options: { ...COMMON, relax_quotes: true, info: true }, bare: () => false },
];

async function parseOnce(file: string, variant: Variant): Promise<{ seconds: number; rows: number; bare: number }> {
  const started = performance.now();
  let rows = 0;
  let bare = 0;
  const parser = createReadStream(file, 'utf8').pipe(parse({ delimiter: ',', ...variant.options }));
  for await (const item of parser as AsyncIterable<unknown>) {
    rows++;
    if (variant.bare(item)) bare++;
  }
  return { seconds: (performance.now() - started) / 1000, rows, bare };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'salvage-bench-csv-'));
try {
  // Without bare quotes, so that the strict reader reads every row as the others do.
  const file = path.join(dir, 'payments.csv');
  await writeFile(file, exportText(ROWS, false));
  const withBare = path.join(dir, 'payments-bare.csv');
  await writeFile(withBare, exportText(ROWS, true));
  // Interleaved (strict, raw, info, strict, ...) so that a machine whose speed drifts skews every variant alike.
  const best = new Map<string, number>();
  for (let run = 0; run < RUNS; run++) {
    for (const variant of VARIANTS) best.set(variant.name, Math.min(best.get(variant.name) ?? Infinity, (await parseOnce(file, variant)).seconds));
  }
  const strictSeconds = best.get('strict') as number;
  const results: Record<string, { seconds: number; ratio: number; bareFound: number }> = {};
  for (const variant of VARIANTS) {
    const seconds = best.get(variant.name) as number;
    // The bare-quote rows found, on the file that has them (1 in 100).
    const { bare } = variant.name === 'strict' ? { bare: 0 } : await parseOnce(withBare, variant);
    results[variant.name] = { seconds, ratio: seconds / strictSeconds, bareFound: bare };
    console.log(`${variant.name.padEnd(8)} ${(ROWS / seconds).toFixed(0).padStart(9)} rows/s  ${(seconds / strictSeconds).toFixed(2)}x strict  (${bare} rows with a bare quote found)`);
  }
  console.log(`BENCH ${JSON.stringify({ bench: 'csv-parse', rows: ROWS, runs: RUNS, results })}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
