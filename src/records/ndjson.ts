import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { SourceInputError } from './connector.js';
import { envelopeProblems, type SourceRecord } from './envelope.js';
import { RecordScrubber } from './scrub.js';
import type { PullRejection } from './rejection.js';
import { RejectionsSink } from './rejections-file.js';

/** What an interrupted pull left behind to resume from. */
interface CheckpointFile {
  /** Length of the partial records file when the checkpoint was taken. */
  bytes: number;
  records: number;
  state: unknown;
  /** Where the rejections file stood at the checkpoint. */
  rejections?: { bytes: number; count: number };
}

export interface RecordsSink {
  /** The resume state of an interrupted earlier run, if the partial file can be resumed. */
  resumeState: unknown;
  /** Records already in the partial file from the interrupted run. */
  resumedRecords: number;
  /** Persists `state` together with every record written so far. */
  checkpoint(state: unknown): Promise<void>;
  /** Counts the credentials removed from records on their way to disk. */
  readonly scrubber: RecordScrubber;
  /** Counts a record that could not be read and writes it to the rejections file (see openRecordsSink). */
  reject(rejection: PullRejection): void;
  /** The rejections so far: how many, and the first few to show. */
  readonly rejections: { readonly count: number; readonly samples: readonly PullRejection[] };
  /** Streams records in; renames the file into place only when the source is complete. */
  write(records: AsyncIterable<SourceRecord>, onRecord?: (record: SourceRecord, count: number) => void): Promise<number>;
}

/**
 * Records are written to `<file>.partial` and renamed into place only when the
 * whole pull succeeded, so a failed pull never leaves a half-written file where a
 * complete one used to be. A connector's checkpoints make the partial file
 * resumable: the next run truncates it to the last checkpoint and continues.
 */
export async function openRecordsSink(file: string, options: { rejectionsFile?: string } = {}): Promise<RecordsSink> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const checkpointFile = `${file}.checkpoint.json`;
  let resumed: CheckpointFile | undefined;
  if (existsSync(partial) && existsSync(checkpointFile)) {
    resumed = JSON.parse(await readFile(checkpointFile, 'utf8')) as CheckpointFile;
    const size = (await stat(partial)).size;
    if (size < resumed.bytes) resumed = undefined;
    else await truncate(partial, resumed.bytes);
  }
  if (!resumed) {
    await rm(partial, { force: true });
    await rm(checkpointFile, { force: true });
  }
  const out = createWriteStream(partial, { flags: resumed ? 'a' : 'w', encoding: 'utf8' });
  // Listen from the start: a full disk can fail a write while the connector is still
  // fetching its next page, and an unheard stream error would kill the process.
  let streamError: Error | undefined;
  out.on('error', (error) => (streamError ??= error));
  const failIfBroken = () => {
    if (streamError) throw writeFailure(file, streamError);
  };
  let bytes = resumed?.bytes ?? 0;
  let count = resumed?.records ?? 0;
  const scrubber = new RecordScrubber();
  // Without a rejections file (tools, tests), rejections are still counted; they go nowhere else.
  const rejections = options.rejectionsFile ? await RejectionsSink.open(options.rejectionsFile, resumed?.rejections) : undefined;
  const counted = { count: 0, samples: [] as PullRejection[] };

  return {
    rejections: rejections ?? counted,
    reject(rejection) {
      if (rejections) rejections.add(rejection);
      else if (counted.count++ < 5) counted.samples.push(rejection);
    },
    resumeState: resumed?.state,
    resumedRecords: resumed?.records ?? 0,
    scrubber,
    async checkpoint(state) {
      // Everything yielded so far must be on disk before the state that covers it.
      await new Promise<void>((resolve, reject) => out.write('', (error) => (error ? reject(error) : resolve())));
      await rejections?.flush();
      const tmp = `${checkpointFile}.tmp`;
      await writeFile(tmp, JSON.stringify({ bytes, records: count, state, rejections: rejections?.position() } satisfies CheckpointFile), 'utf8');
      await rename(tmp, checkpointFile);
    },
    async write(records, onRecord) {
      try {
        for await (const pulled of records) {
          const problems = envelopeProblems(pulled);
          if (problems.length) {
            throw new SourceInputError(`connector produced an invalid record (${problems.join('; ')})`, `record ${count + 1}`);
          }
          const record = scrubber.scrub(pulled);
          const line = `${JSON.stringify(record)}\n`;
          count++;
          bytes += Buffer.byteLength(line);
          failIfBroken();
          if (!out.write(line)) await once(out, 'drain').catch((error: Error) => Promise.reject(writeFailure(file, error)));
          onRecord?.(record, count);
        }
        failIfBroken();
        await closeStream(out).catch((error: Error) => Promise.reject(writeFailure(file, error)));
        await rename(partial, file);
        await rejections?.commit();
        await rm(checkpointFile, { force: true });
        return count;
      } catch (error) {
        // Keep the partial file and its checkpoint: the next pull resumes from there.
        // A write may still be in flight; its error must not outlive this one.
        out.on('error', () => undefined);
        // Wait for the file to be closed: a stream still opening would create it again after the rm.
        if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()).destroy());
        const resumable = existsSync(checkpointFile);
        if (!resumable) await rm(partial, { force: true });
        await rejections?.abandon(resumable);
        throw error;
      }
    },
  };
}

/** Writes a whole stream of records (no resume): the simple case, for tests and tools. */
export async function writeRecordsFile(
  file: string,
  records: AsyncIterable<SourceRecord>,
  onRecord?: (record: SourceRecord, count: number) => void,
): Promise<number> {
  const sink = await openRecordsSink(file);
  return sink.write(records, onRecord);
}

/** A failed write says which file, why, that nothing earlier was lost, and what to do. */
function writeFailure(file: string, error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return withCode(code, new SourceInputError(`cannot write the records: no space left on device (${code}). The previous ${path.basename(file)} is untouched; free some space and run "salvage pull" again (it resumes where it stopped)`, file));
  }
  return withCode(code, new SourceInputError(`cannot write the records (${code ?? error.message}). The previous ${path.basename(file)} is untouched`, file));
}

/** Keeps the system's error code on the error, for callers that branch on it. */
function withCode(code: string | undefined, error: SourceInputError): SourceInputError {
  return Object.assign(error, { code });
}

function closeStream(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

export interface NumberedRecord {
  record: SourceRecord;
  /** 1-based line in the NDJSON file. */
  line: number;
}

/** Reads an NDJSON records file line by line; a broken line names file:line. A missing file reads as empty. */
export async function* readRecordsFile(file: string, options: { missingOk?: boolean } = {}): AsyncGenerator<NumberedRecord> {
  if (options.missingOk && !existsSync(file)) return;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    const record = parseRecordLine(text, file, line);
    if (record) yield { record, line };
  }
}

/**
 * One line of a records file: undefined when blank, the record when valid, else an
 * error naming file:line. Shared by the streaming reader and the mapping workers.
 */
export function parseRecordLine(text: string, file: string, line: number): SourceRecord | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SourceInputError(
      `not valid JSON (${(error as Error).message}); re-run "salvage pull" for this source to rewrite the file`,
      `${file}:${line}`,
    );
  }
  const problems = envelopeProblems(value);
  if (problems.length) throw new SourceInputError(`not a salvage record: ${problems.join('; ')}`, `${file}:${line}`);
  return value as SourceRecord;
}
