/**
 * The `csv` connector: one `csv.row` record per data row of local CSV exports.
 *
 * Files are streamed through csv-parse, so an export of any size is read in constant
 * memory. Every record points back at the physical line its row starts on
 * (`file://exports/a.csv#L12`), so a reviewer can open the file and find it.
 */
import { parse as createCsvParser } from 'csv-parse';
import type { Connector, PullContext } from '../../src/records/connector.js';
import { SourceInputError } from '../../src/records/connector.js';
import { wallClockMs } from '../../src/time/wall-clock.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { resolveFilePatterns, type MatchedFile } from '../shared/files.js';
import { createProgress, type SourceProgress } from '../../src/runtime/source-progress.js';
import { C1_ADVICE, hasC1Controls, isLatin1Label, readTextStream } from '../shared/text-decoding.js';

export interface CsvSourceOptions {
  /** Glob patterns, relative to the config's directory. */
  files: string[];
  /** Field delimiter; detected from the header line (`,` `;` or tab) when absent. */
  delimiter?: string;
  /** Any iconv-lite label (`windows-1252`, `latin1`, `utf16le`...); UTF-8 when absent. */
  encoding?: string;
  /** Column holding the row's creation time; enables filtering by the pull window. */
  createdColumn?: string;
  /** Column holding the row's last change time; enables filtering by the pull window. */
  updatedColumn?: string;
}

export function csvConnector(options: CsvSourceOptions): Connector {
  return {
    kind: 'csv',
    pull: (context) => pullCsvFiles(options, context),
  };
}

/** The key under which cells beyond the header's width are kept (unless a column has that name). */
const EXTRA_CELLS_KEY = '_extra';
const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;
/** A header line longer than this is not a header: stop looking for its end. */
const MAX_HEADER_SCAN_CHARS = 1024 * 1024;
/** Per file and kind of problem: enough to see the pattern, not enough to bury the log. */
const WARNINGS_SHOWN_PER_KIND = 5;

async function* pullCsvFiles(options: CsvSourceOptions, context: PullContext): AsyncGenerator<SourceRecord> {
  const files = await resolveFilePatterns(options.files, context.baseDir, context.log);
  const filtersByWriteTime = options.createdColumn !== undefined || options.updatedColumn !== undefined;
  // The live line on a terminal; pull() logs the count of records at the end.
  const progress = createProgress(context, 'csv');
  const totals: PullTotals = { rows: 0, skippedAsOlder: 0, progress };
  for (const file of files) {
    context.signal?.throwIfAborted();
    try {
      yield* readCsvFile(file, options, context, totals);
    } catch (error) {
      // A file that cannot be read fails alone: the rows it gave so far stay, the other files are read.
      if (!(error instanceof SourceInputError)) throw error;
      context.reject({ what: 'file', location: error.location ?? file.displayPath, reason: error.reason });
    }
  }
  progress.done(false);
  if (filtersByWriteTime) {
    context.log(
      `csv: skipped ${totals.skippedAsOlder} of ${totals.rows} rows last written before ` +
        `${context.window.since.toISOString()} (by ${describeTimeColumns(options)})`,
    );
  }
}

function describeTimeColumns(options: CsvSourceOptions): string {
  return [options.createdColumn, options.updatedColumn]
    .filter((column): column is string => column !== undefined)
    .map((column) => `"${column}"`)
    .join(' and ');
}

// ---------------------------------------------------------------------------
// One file

interface PullTotals {
  rows: number;
  skippedAsOlder: number;
  progress: SourceProgress;
}

async function* readCsvFile(
  file: MatchedFile,
  options: CsvSourceOptions,
  context: PullContext,
  totals: PullTotals,
): AsyncGenerator<SourceRecord> {
  const encoding = options.encoding ?? 'utf8';
  const delimiter = options.delimiter ?? (await detectDelimiter(file.absolutePath, encoding));
  const warnings = new WarningLog(file.displayPath, context.log);
  // Decoding happens in a stream (it handles characters split across chunks); the parser
  // then sees text whatever the file's encoding was.
  const { bytes, text: input } = readTextStream(file.absolutePath, encoding);
  const checkLatin1 = options.encoding !== undefined && isLatin1Label(options.encoding);
  const parseProblems = new ParseProblems();
  const parser = createCsvParser({
    delimiter,
    bom: true,
    relax_column_count: true,
    // `37°36'37.8"N` and `5" screen` in an unquoted field, as spreadsheets and CRMs export
    // them: read as written (as Python's csv and Papa Parse do), with a warning per row.
    relax_quotes: true,
    // The row's text as written, to tell a bare quote from a quoted field's doubled one.
    raw: true,
    // Any of the three line ends, even mixed in one file: exports get concatenated and hand-edited.
    record_delimiter: ['\r\n', '\n', '\r'],
    // Blank lines arrive as [''] and are skipped here, so the line count stays exact.
    skip_empty_lines: false,
    // The parser runs ahead of us by a whole chunk; a stream error would discard the good
    // rows it already parsed before the bad one. Instead note the problem, keep reading up
    // to the bad row, and reject it there with its exact line.
    skip_records_with_error: true,
    on_skip: (error) => {
      parseProblems.note(error);
      return undefined;
    },
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  const lines = new LineTracker();
  let rowsRead = 0;
  let shape: RowShape | undefined;
  const rejectReached = () => {
    for (const problem of parseProblems.reached(rowsRead)) rejectUnparsedRow(problem, file, lines, context);
  };
  try {
    for await (const { record: cells, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      rejectReached();
      context.signal?.throwIfAborted();
      rowsRead++;
      const startLine = lines.consume(cells);
      if (isBlankLine(cells)) continue;
      // Bytes that are not UTF-8 decode to U+FFFD: without an explicit encoding, that means
      // the file is in another one, and reading on would destroy every accented letter.
      if (options.encoding === undefined && cells.some((cell) => cell.includes('\uFFFD'))) {
        const problem = 'this line is not valid UTF-8: the export is in another encoding. Set encoding: windows-1252 (Excel on Windows), latin1 or utf16le on this source in salvage.yaml, or encoding: utf8 to read it as it is';
        // The header names every column: without it no row of the file can be read.
        if (shape === undefined) throw new SourceInputError(problem, `${file.displayPath}:${startLine}`);
        context.reject({ what: 'csv row', location: `${file.displayPath}:${startLine}`, reason: problem });
        continue;
      }
      if (checkLatin1 && cells.some(hasC1Controls)) warnings.warn('encoding', startLine, `this row ${C1_ADVICE}`);
      if (hasBareQuote(raw, delimiter)) {
        warnings.warn('quote', startLine, 'a quote inside an unquoted field is read as written (e.g. 37°36\'37.8"N); check the row if a field looks merged');
      }
      if (shape === undefined) {
        shape = describeHeader(cells, options, warnings);
        continue;
      }
      totals.rows++;
      totals.progress.add('rows');
      const record = buildRowRecord(cells, startLine, shape, file, context, warnings);
      if (isOlderThanWindow(record, context.window.since)) {
        totals.skippedAsOlder++;
        continue;
      }
      yield record;
    }
    rejectReached();
  } catch (error) {
    throw explainReadError(error, file);
  } finally {
    bytes.destroy();
    parser.destroy();
    warnings.flushSummary();
  }
}

interface ParseProblem {
  error: unknown;
  /** Rows csv-parse gave before this one. */
  rowsBefore: number;
  /** csv-parse's line count when it gave up on the row. */
  lineAtError: number | undefined;
}

/** Rows csv-parse could not read, remembered until the reader gets to each. */
class ParseProblems {
  private readonly pending: ParseProblem[] = [];

  note(error: unknown): void {
    const { records, lines } = (error ?? {}) as { records?: unknown; lines?: unknown };
    this.pending.push({
      error,
      rowsBefore: typeof records === 'number' ? records : 0,
      lineAtError: typeof lines === 'number' ? lines : undefined,
    });
  }

  /** The problems whose rows come next, once every row before them has been read. */
  *reached(rowsRead: number): Generator<ParseProblem> {
    while (this.pending.length > 0 && rowsRead >= (this.pending[0] as ParseProblem).rowsBefore) yield this.pending.shift() as ParseProblem;
  }
}

/** A row csv-parse skipped becomes a rejected record at its lines; the reader moves past them. */
function rejectUnparsedRow(problem: ParseProblem, file: MatchedFile, lines: LineTracker, context: PullContext): void {
  const startLine = lines.nextLine;
  const endLine = Math.max(startLine, problem.lineAtError ?? startLine);
  lines.nextLine = endLine + 1;
  const location = `${file.displayPath}:${startLine}${endLine > startLine ? `-${endLine}` : ''}`;
  context.reject({ what: 'csv row', location, reason: describeParseError(problem.error) });
}

/**
 * True when an unquoted field of the row's text holds a quote (which relax_quotes keeps
 * as written); a quoted field's doubled quotes are not that.
 */
export function hasBareQuote(raw: string, delimiter: string): boolean {
  if (!raw.includes('"')) return false;
  let atFieldStart = true;
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (quoted) {
      if (char === '"') {
        if (raw[i + 1] === '"') i++;
        else quoted = false;
      }
      continue;
    }
    if (raw.startsWith(delimiter, i)) {
      atFieldStart = true;
      i += delimiter.length - 1;
      continue;
    }
    if (char === '"') {
      if (atFieldStart) quoted = true;
      else return true;
    } else if (char !== '\r' && char !== '\n') {
      // Text after a closing quote (`"ab"c`) is read as written too.
      if (!atFieldStart && raw[i - 1] === '"' && !raw.startsWith(delimiter, i - 1)) return true;
    }
    atFieldStart = false;
  }
  return false;
}

/** Counts physical lines from the parsed cells, since csv-parse only knows where rows end. */
class LineTracker {
  /** The physical line (1-based) on which the next unread row starts. */
  nextLine = 1;

  /** Returns the line the given row started on and moves past it. */
  consume(cells: string[]): number {
    const startLine = this.nextLine;
    // Unquoted cells cannot hold a line break (every \r and \n ends a row), so the
    // breaks inside a row are exactly the breaks inside its (quoted) cell values.
    let breaks = 0;
    for (const cell of cells) breaks += countLineBreaks(cell);
    this.nextLine = startLine + breaks + 1;
    return startLine;
  }
}

/** CRLF, a lone LF and a lone CR each end one physical line. */
export function countLineBreaks(text: string): number {
  // Fast path: most cells have no line break at all.
  if (text.indexOf('\n') === -1 && text.indexOf('\r') === -1) return 0;
  let breaks = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x0a) breaks++;
    else if (char === 0x0d && text.charCodeAt(i + 1) !== 0x0a) breaks++;
  }
  return breaks;
}

function isBlankLine(cells: string[]): boolean {
  return cells.length === 1 && cells[0] === '';
}

// ---------------------------------------------------------------------------
// Delimiter detection

/**
 * Picks the candidate that occurs most often (outside quotes) in the header line.
 * Ties go to the earlier candidate, so a one-column file reads as comma-separated.
 */
async function detectDelimiter(absolutePath: string, encoding: string): Promise<string> {
  const headerLine = await readHeaderLine(absolutePath, encoding);
  const counts = new Map<string, number>(CANDIDATE_DELIMITERS.map((candidate) => [candidate, 0]));
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best: string = CANDIDATE_DELIMITERS[0];
  for (const candidate of CANDIDATE_DELIMITERS) {
    if ((counts.get(candidate) ?? 0) > (counts.get(best) ?? 0)) best = candidate;
  }
  return best;
}

/** Reads just enough of the file to hold its first line (a quoted header may span lines). */
async function readHeaderLine(absolutePath: string, encoding: string): Promise<string> {
  const { bytes, text: stream } = readTextStream(absolutePath, encoding, { highWaterMark: 64 * 1024 });
  let text = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      text += chunk;
      const end = findUnquotedLineEnd(text);
      if (end !== -1) return text.slice(0, end);
      if (text.length > MAX_HEADER_SCAN_CHARS) break;
    }
    return text;
  } finally {
    bytes.destroy();
  }
}

function findUnquotedLineEnd(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Header and rows

/** What a file's header says about every row that follows. */
interface RowShape {
  columnNames: string[];
  /** Where a long row's extra cells go: `_extra`, or a free variant if a column is called that. */
  extraKey: string;
  createdIndex: number | undefined;
  updatedIndex: number | undefined;
  /** `__proto__` as a column name must become an own property, not a prototype. */
  needsSafeAssignment: boolean;
}

function describeHeader(headerCells: string[], options: CsvSourceOptions, warnings: WarningLog): RowShape {
  const columnNames = uniqueColumnNames(headerCells, warnings);
  return {
    columnNames,
    extraKey: freeName(EXTRA_CELLS_KEY, new Set(columnNames), new Set()),
    createdIndex: findTimeColumn(columnNames, options.createdColumn, 'createdColumn', warnings),
    updatedIndex: findTimeColumn(columnNames, options.updatedColumn, 'updatedColumn', warnings),
    needsSafeAssignment: columnNames.includes('__proto__'),
  };
}

/**
 * Header names as written, except: a repeated name gets `_2`, `_3`... (the first keeps
 * its name) and an empty name becomes `column_<position>`, so that no cell is lost by
 * two cells landing on the same key.
 */
function uniqueColumnNames(headerCells: string[], warnings: WarningLog): string[] {
  const taken = new Set(headerCells);
  const used = new Set<string>();
  return headerCells.map((cell, index) => {
    let name = cell;
    if (name === '') {
      name = freeName(`column_${index + 1}`, taken, used);
      warnings.warnAlways(1, `column ${index + 1} has no header name; its cells are kept under "${name}"`);
    } else if (used.has(name)) {
      name = freeName(name, taken, used, 2);
      warnings.warnAlways(1, `duplicate column "${cell}" (column ${index + 1}) renamed to "${name}"`);
    }
    used.add(name);
    return name;
  });
}

function freeName(base: string, taken: Set<string>, used: Set<string>, firstSuffix?: number): string {
  if (firstSuffix === undefined && !taken.has(base) && !used.has(base)) return base;
  for (let suffix = firstSuffix ?? 2; ; suffix++) {
    const candidate = `${base}_${suffix}`;
    if (!taken.has(candidate) && !used.has(candidate)) return candidate;
  }
}

function findTimeColumn(
  columnNames: string[],
  wanted: string | undefined,
  optionName: string,
  warnings: WarningLog,
): number | undefined {
  if (wanted === undefined) return undefined;
  const index = columnNames.indexOf(wanted);
  if (index !== -1) return index;
  warnings.warnAlways(
    1,
    `${optionName} "${wanted}" is not a column of this file (columns: ${columnNames.join(', ')}); ` +
      'its rows are kept without filtering by write time',
  );
  return undefined;
}

function buildRowRecord(
  cells: string[],
  line: number,
  shape: RowShape,
  file: MatchedFile,
  context: PullContext,
  warnings: WarningLog,
): SourceRecord {
  const data = cellsToData(cells, shape, line, warnings);
  const locator = `${file.displayPath}#L${line}`;
  const record: SourceRecord = {
    source: context.sourceName,
    type: 'csv.row',
    id: locator,
    ref: `file://${locator}`,
    observedAt: context.observedAt,
    data,
  };
  const createdAt = readTimeCell(cells, shape.createdIndex, shape, line, warnings);
  const updatedAt = readTimeCell(cells, shape.updatedIndex, shape, line, warnings);
  if (createdAt !== undefined) record.createdAt = createdAt;
  if (updatedAt !== undefined) record.updatedAt = updatedAt;
  return record;
}

/** Cells keyed by column name, exactly as written; nothing is dropped from a ragged row. */
function cellsToData(cells: string[], shape: RowShape, line: number, warnings: WarningLog): Record<string, unknown> {
  const { columnNames } = shape;
  const data: Record<string, unknown> = {};
  const filled = Math.min(cells.length, columnNames.length);
  for (let i = 0; i < filled; i++) {
    const name = columnNames[i] as string;
    const value = cells[i] as string;
    if (shape.needsSafeAssignment) Object.defineProperty(data, name, { value, enumerable: true, writable: true, configurable: true });
    else data[name] = value;
  }
  if (cells.length > columnNames.length) {
    data[shape.extraKey] = cells.slice(columnNames.length);
    warnings.warn('ragged', line, `row has ${cells.length} cells but the header has ${columnNames.length}; the extra cells are kept in "${shape.extraKey}"`);
  } else if (cells.length < columnNames.length) {
    warnings.warn('ragged', line, `row has ${cells.length} cells but the header has ${columnNames.length}; the missing trailing columns are left out`);
  }
  return data;
}

function readTimeCell(
  cells: string[],
  index: number | undefined,
  shape: RowShape,
  line: number,
  warnings: WarningLog,
): string | undefined {
  if (index === undefined) return undefined;
  const text = cells[index];
  // An empty or missing cell says "unknown", which is not a problem worth a warning.
  if (text === undefined || text.trim() === '') return undefined;
  const instant = parseWriteTime(text);
  if (instant === undefined) {
    warnings.warn('timestamp', line, `cannot read "${text}" in column "${shape.columnNames[index]}" as a time (expected ISO-8601 or YYYY-MM-DD HH:MM:SS in UTC); the row is kept`);
  }
  return instant;
}

/** Nothing known about when the row was written means it is kept: better too much than too little. */
function isOlderThanWindow(record: SourceRecord, since: Date): boolean {
  const latest = latestWriteTime(record);
  return latest !== undefined && latest < since.getTime();
}

function latestWriteTime(record: SourceRecord): number | undefined {
  const times = [record.createdAt, record.updatedAt]
    .filter((time): time is string => time !== undefined)
    .map((time) => Date.parse(time));
  return times.length === 0 ? undefined : Math.max(...times);
}

// ---------------------------------------------------------------------------
// Timestamps

/**
 * ISO-8601 (`2026-03-01T10:00:00+01:00`, `...Z`, `2026-03-01`) or the
 * `2026-03-01 10:00:00` that Stripe and many databases export. Without an offset the
 * time is read as UTC, which is what those exports mean.
 */
const WRITE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Returns an ISO-8601 UTC string, or undefined when the text is not a valid time. */
export function parseWriteTime(text: string): string | undefined {
  const match = WRITE_TIME_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const parts = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
  };
  const wall = wallClockMs(parts);
  if (Number.isNaN(wall)) return undefined;
  const milliseconds = Number(fraction.padEnd(3, '0').slice(0, 3));
  return new Date(wall + milliseconds - offsetMinutes(zone) * 60_000).toISOString();
}

function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

// ---------------------------------------------------------------------------
// Errors and warnings

/** csv-parse error codes for rows that cannot be read as CSV, with what the user can do. */
const PARSE_ERROR_ADVICE: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED:
    'a quoted field opened in the row starting here is never closed before the end of the file, so every line after it ' +
    'was read into that field and is rejected with it; close the quote (a quote inside a quoted field is written twice: "") and pull again',
};

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in PARSE_ERROR_ADVICE) return PARSE_ERROR_ADVICE[code] as string;
  const message = error instanceof Error ? error.message : String(error);
  return `cannot parse the row starting here as CSV (${message}); fix the file and pull again`;
}

/** Turns file-system failures into input errors; anything else (aborts, bugs) passes unchanged. */
function explainReadError(error: unknown, file: MatchedFile): unknown {
  if (error instanceof SourceInputError || isAbortError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    return new SourceInputError(`cannot read the file (${code}); check that it exists and is readable`, file.displayPath);
  }
  return error;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * Warnings for one file. Row-level problems repeat (a whole export can be ragged), so
 * each kind is shown a few times and then summed up once at the end of the file.
 */
class WarningLog {
  private readonly countsByKind = new Map<string, number>();

  constructor(
    private readonly displayPath: string,
    private readonly log: (message: string) => void,
  ) {}

  warnAlways(line: number, message: string): void {
    this.log(`warning: ${this.displayPath}:${line}: ${message}`);
  }

  warn(kind: string, line: number, message: string): void {
    const count = (this.countsByKind.get(kind) ?? 0) + 1;
    this.countsByKind.set(kind, count);
    if (count <= WARNINGS_SHOWN_PER_KIND) this.warnAlways(line, message);
  }

  flushSummary(): void {
    for (const [kind, count] of this.countsByKind) {
      if (count > WARNINGS_SHOWN_PER_KIND) {
        this.log(`warning: ${this.displayPath}: ${count - WARNINGS_SHOWN_PER_KIND} more ${kind} warnings not shown (${count} in all)`);
      }
    }
  }
}
