import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { SourceInputError } from './connector.js';
import { envelopeProblems, type SourceRecord } from './envelope.js';

/**
 * Streams records to `file` through a temporary file that is renamed into place
 * only when the whole pull succeeded: a failed or interrupted pull never leaves
 * a half-written file where a complete one used to be.
 */
export async function writeRecordsFile(
  file: string,
  records: AsyncIterable<SourceRecord>,
  onRecord?: (record: SourceRecord, count: number) => void,
): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.partial`;
  const out = createWriteStream(tmp, { encoding: 'utf8' });
  let count = 0;
  try {
    for await (const record of records) {
      const problems = envelopeProblems(record);
      if (problems.length) {
        throw new SourceInputError(`connector produced an invalid record (${problems.join('; ')})`, `record ${count + 1}`);
      }
      count++;
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
      onRecord?.(record, count);
    }
    await closeStream(out);
    await rename(tmp, file);
    return count;
  } catch (error) {
    out.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
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

/** Reads an NDJSON records file line by line; a broken line names file:line. */
export async function* readRecordsFile(file: string): AsyncGenerator<NumberedRecord> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
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
    yield { record: value as SourceRecord, line };
  }
}
