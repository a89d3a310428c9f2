import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Connector, PullWindow } from '../../../src/records/connector.js';
import type { SourceRecord } from '../../../src/records/envelope.js';
import { openRecordsSink, readRecordsFile } from '../../../src/records/ndjson.js';

/**
 * Runs a connector the way `salvage pull` does (src/pull/pull.ts): records streamed into
 * `<job>/records/<source>.ndjson.partial` and renamed into place at the end, checkpoints
 * through the sink, resume state from an interrupted run, previous records from the
 * last complete file, state in `<job>/state/<source>`.
 */
export interface PullJob {
  dir: string;
  source: string;
  window: PullWindow;
}

export interface PullOutcome {
  records: SourceRecord[];
  logs: string[];
  resumedRecords: number;
  checkpoints: number;
}

export interface PullRunOptions {
  observedAt: string;
  /**
   * Simulates a crash: after this many checkpoints, the next record the connector hands
   * over never reaches the file. (Crashing while the sink still writes a record would
   * trip src/records/ndjson.ts destroying its stream mid-write: an uncaught
   * ERR_STREAM_DESTROYED, reported to the lead.)
   */
  crashAfterCheckpoints?: number;
}

export const recordsFile = (job: PullJob) => path.join(job.dir, 'records', `${job.source}.ndjson`);
export const stateDir = (job: PullJob) => path.join(job.dir, 'state', job.source);

export async function runPull(connector: Connector, job: PullJob, options: PullRunOptions): Promise<PullOutcome> {
  const file = recordsFile(job);
  await mkdir(stateDir(job), { recursive: true });
  const sink = await openRecordsSink(file);
  const logs: string[] = [];
  let checkpoints = 0;
  const records = connector.pull({
    sourceName: job.source,
    window: job.window,
    baseDir: job.dir,
    stateDir: stateDir(job),
    observedAt: options.observedAt,
    log: (line) => logs.push(line),
    reject: (r) => logs.push(`rejected: ${r.location}: ${r.what}: ${r.reason}`),
    checkpoint: async (state) => {
      await sink.checkpoint(state);
      checkpoints++;
    },
    resumeState: sink.resumeState,
    previousRecords: async function* () {
      for await (const { record } of readRecordsFile(file, { missingOk: true })) yield record;
    },
  });
  const limit = options.crashAfterCheckpoints;
  const stream = limit === undefined ? records : crashing(records, () => checkpoints >= limit);
  await sink.write(stream);
  return { records: await readRecords(file), logs, resumedRecords: sink.resumedRecords, checkpoints };
}

export async function readRecords(file: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const { record } of readRecordsFile(file, { missingOk: true })) out.push(record);
  return out;
}

async function* crashing(records: AsyncIterable<SourceRecord>, armed: () => boolean): AsyncGenerator<SourceRecord> {
  for await (const record of records) {
    if (armed()) throw new Error('simulated crash');
    yield record;
  }
}
