import type { PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import type { SourceProgress } from '../../src/runtime/source-progress.js';
import type { CalendarApi } from './calendar-api.js';
import { addRecord } from './fingerprint.js';
import type { PreviousRecords } from './previous-records.js';
import type { PullState } from './pull-state.js';

/** Everything one pull works with; `state` is what each checkpoint saves. */
export interface PullRun {
  context: PullContext;
  api: CalendarApi;
  progress: SourceProgress;
  previous: PreviousRecords;
  state: PullState;
  /** `state.listedIds` as a set. */
  listed: Set<string>;
  /** Events rejected in this run (record ids, or the JSON of one without an id), each rejected once. */
  rejected: Set<string>;
}

/** Books a record as yielded: its id (so older versions are not carried over) and its share of the fingerprint. */
export function recordYielded(run: PullRun, record: SourceRecord, options: { listed: boolean }): void {
  run.state.fingerprint = addRecord(run.state.fingerprint, record);
  if (options.listed) {
    run.listed.add(record.id);
    run.state.listedIds.push(record.id);
  }
}
