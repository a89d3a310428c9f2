/**
 * The `jsonl` connector: one `jsonl.line` record per line of JSON-lines files, the form
 * application logs and archived webhooks come in (one JSON object a line, often gzipped).
 *
 * Files are streamed a line at a time, gzip or not, so an archive of any size is read in
 * constant memory. A line that is not a JSON object is rejected with its file:line and
 * the rest of the file is read; a gzip stream cut off mid-way keeps the lines before the
 * cut. Each record's ref is its line (`file://logs/app.jsonl.gz#L12`).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SourceInputError, type Connector, type PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { createProgress, type SourceProgress } from '../../src/runtime/source-progress.js';
import { resolveFilePatterns, type MatchedFile } from '../shared/files.js';
import { fieldAt } from './field-path.js';
import { writeTimeOf } from './write-time.js';

export interface JsonLinesSourceOptions {
  files: string[];
  /** A field (dotted path) holding a stable id for the object; default: its file and line. */
  idField?: string;
  /** Fields (dotted paths) holding when the object was created / last changed; then lines last written before the window are skipped. */
  createdField?: string;
  updatedField?: string;
}

export function jsonLinesConnector(options: JsonLinesSourceOptions): Connector {
  return { kind: 'jsonl', pull: (context) => pullFiles(options, context) };
}

interface Totals {
  lines: number;
  skippedAsOlder: number;
  progress: SourceProgress;
}

async function* pullFiles(options: JsonLinesSourceOptions, context: PullContext): AsyncGenerator<SourceRecord> {
  const files = await resolveFilePatterns(options.files, context.baseDir, context.log);
  const totals: Totals = { lines: 0, skippedAsOlder: 0, progress: createProgress(context, 'jsonl') };
  for (const file of files) {
    context.signal?.throwIfAborted();
    yield* fileRecords(file, options, context, totals);
  }
  totals.progress.done(false);
  if (options.createdField !== undefined || options.updatedField !== undefined) {
    context.log(
      `jsonl: skipped ${totals.skippedAsOlder} of ${totals.lines} lines last written before ${context.window.since.toISOString()} ` +
        `(by ${[options.createdField, options.updatedField].filter((f) => f !== undefined).join(' and ')})`,
    );
  }
}

/** Gzip is recognised by its first two bytes, not the file name: archives get renamed. */
async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

async function* fileRecords(file: MatchedFile, options: JsonLinesSourceOptions, context: PullContext, totals: Totals): AsyncGenerator<SourceRecord> {
  const gzip = await isGzip(file.absolutePath);
  const raw = createReadStream(file.absolutePath);
  const text: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  // A read error of the file itself reaches the gunzip stream too, where the loop below sees it.
  if (gzip) raw.on('error', (error) => text.destroy(error));
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const content of lines) {
      line++;
      context.signal?.throwIfAborted();
      const record = lineRecord(line === 1 ? content.replace(/^\uFEFF/, '') : content, line, file, options, context);
      if (record === undefined) continue;
      totals.lines++;
      if (isOlderThanWindow(record, context.window.since)) {
        totals.skippedAsOlder++;
        continue;
      }
      totals.progress.add('lines');
      yield record;
    }
  } catch (error) {
    if (context.signal?.aborted) throw error;
    // The lines read so far stay: a cut-off archive costs its tail, not the whole file.
    const reason = gzip
      ? `the gzip stream is damaged or cut off after line ${line} (${(error as Error).message}); the lines before it were read`
      : `could not be read after line ${line}: ${(error as Error).message}`;
    context.reject({ what: 'file', location: file.displayPath, reason });
  } finally {
    lines.close();
    text.destroy();
  }
}

/** The record of one line; undefined for a blank line or one rejected (with its file:line). */
function lineRecord(content: string, line: number, file: MatchedFile, options: JsonLinesSourceOptions, context: PullContext): SourceRecord | undefined {
  if (content.trim() === '') return undefined;
  const location = `${file.displayPath}:${line}`;
  try {
    const data = parseObject(content);
    const id = options.idField === undefined ? `${file.displayPath}#L${line}` : idOf(data, options.idField);
    const createdAt = options.createdField === undefined ? undefined : writeTimeOf(data, options.createdField);
    const updatedAt = options.updatedField === undefined ? undefined : writeTimeOf(data, options.updatedField);
    return {
      source: context.sourceName,
      type: 'jsonl.line',
      id,
      ref: `file://${file.displayPath}#L${line}`,
      observedAt: context.observedAt,
      ...(createdAt ? { createdAt } : {}),
      ...(updatedAt ? { updatedAt } : {}),
      data,
    };
  } catch (error) {
    if (!(error instanceof SourceInputError)) throw error;
    context.reject({ what: 'json line', location, reason: error.reason });
    return undefined;
  }
}

function parseObject(content: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    const shown = content.length > 60 ? `${content.slice(0, 60)}…` : content;
    throw new SourceInputError(`not valid JSON (${(error as Error).message}): ${JSON.stringify(shown)}; each line must be one JSON object`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SourceInputError(`a JSON ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}, not an object; each line must be one JSON object`);
  }
  return value as Record<string, unknown>;
}

function idOf(data: Record<string, unknown>, field: string): string {
  const value = fieldAt(data, field);
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new SourceInputError(`no usable id in "${field}" (idField): the line has ${value === undefined ? 'no such field' : JSON.stringify(value)}; every line needs one, or leave idField out to identify lines by file and line`);
}

/** Nothing known about when the line was written means it is kept: better too much than too little. */
function isOlderThanWindow(record: SourceRecord, since: Date): boolean {
  const times = [record.createdAt, record.updatedAt].filter((t): t is string => t !== undefined).map((t) => Date.parse(t));
  return times.length > 0 && Math.max(...times) < since.getTime();
}
