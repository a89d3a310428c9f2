import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SourceConfig } from '../config/schema.js';
import { connectorFor } from '../pull/connectors.js';
import type { SourceRecord } from '../records/envelope.js';
import { isFileKind, type NamedSource } from './source-specs.js';

/** Enough rows to see every column's shape and a status field's values, few enough to read in a blink. */
export const SAMPLE_LIMIT = 300;

export interface SourceSample {
  records: SourceRecord[];
  /** Why there are no records, when there are none. */
  note?: string;
}

/**
 * Reads the first records of a file source through its real connector, so init sees
 * exactly the fields `pull` will write. Only file sources are sampled: an API source
 * would need credentials, and init must work before anyone has set them. A failure
 * (no such file, a kind whose connector is not built yet) is a note, never fatal.
 */
export async function sampleSource(source: NamedSource, baseDir: string): Promise<SourceSample> {
  if (!isFileKind(source.kind)) return { records: [], note: 'an API source: its documented record shape is used' };
  if (!source.files?.length) return { records: [], note: 'no files given: its documented record shape is used, if it has one' };
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'salvage-init-sample-'));
  const records: SourceRecord[] = [];
  try {
    const connector = connectorFor(source.name, { kind: source.kind, files: source.files } as SourceConfig);
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
