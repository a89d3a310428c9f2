import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SourceRecord } from '../records/envelope.js';
import { samplePulledRecords } from './pulled-records.js';
import { readsFiles } from '../records/source-kind.js';
import type { NamedSource } from './source-specs.js';

/** Enough rows to see every column's shape and a status field's values, few enough to read in a blink. */
export const SAMPLE_LIMIT = 300;

export interface SourceSample {
  records: SourceRecord[];
  /** Why there are no records, when there are none. */
  note?: string;
  /** Read from the source's pulled records file, not from its exports. */
  pulled?: boolean;
}

/**
 * A sample of a source's records: from its pulled records file when `pull` has run
 * (bounded, per record type), else the first records of a file source read through
 * its real connector, so init sees exactly the fields `pull` will write. An API source
 * not pulled yet is not sampled: it would need credentials, and init must work before
 * anyone has set them. A failure (no such file, a kind whose connector is not built
 * yet) is a note, never fatal.
 */
export async function sampleSource(source: NamedSource, baseDir: string, recordsDir: string): Promise<SourceSample> {
  // What `pull` wrote is the best sample of all: the real records, API sources included.
  const pulled = await samplePulledRecords(path.join(recordsDir, `${source.name}.ndjson`), SAMPLE_LIMIT);
  if (pulled?.length) return { records: pulled, pulled: true };
  if (!readsFiles(source.spec)) return { records: [], note: 'an API source not pulled yet: its documented record shape is used, and fields are guessed by name' };
  if (!source.files?.length) return { records: [], note: 'no files given: its documented record shape is used, if it has one' };
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'salvage-init-sample-'));
  const records: SourceRecord[] = [];
  try {
    const connector = source.spec.connect({ kind: source.kind, files: source.files }, `sources.${source.name}`);
    // Every write time counts as inside: the sample is about shape, not about the window.
    const from = new Date('1970-01-01T00:00:00Z');
    const to = new Date();
    const stream = connector.pull({
      sourceName: source.name,
      window: { from, to, since: from, horizon: new Date(to.getTime() + 365 * 86_400_000) },
      baseDir,
      stateDir,
      log: () => undefined,
      // A sample shows what reads; what does not is for the pull to report.
      reject: () => undefined,
      observedAt: to.toISOString(),
      checkpoint: async () => undefined,
      previousRecords: async function* () {},
    });
    for await (const record of stream) {
      records.push(record);
      if (records.length >= SAMPLE_LIMIT) break;
    }
    return records.length ? { records } : { records, note: 'its files hold no records' };
  } catch (error) {
    return { records, note: `could not be sampled: ${(error as Error).message}` };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}
