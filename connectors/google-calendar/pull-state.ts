import { SourceInputError } from '../../src/records/connector.js';
import { isFingerprint, type Fingerprint } from './fingerprint.js';

/**
 * Where a pull is, saved with every checkpoint so an interrupted pull resumes at the page
 * it stopped at. Everything a resumed run must decide the same way is in here (which
 * calendars, which of them go incrementally), not recomputed from a world that moved on.
 */
export interface PullState {
  version: 1;
  calendars: CalendarTarget[];
  /** Calendar id -> the sync token this pull lists changes from (absent: a full listing). */
  syncTokensUsed: Record<string, string>;
  /** The listing still to do; null once every calendar is listed (then previous records are carried over). */
  cursor: Cursor | null;
  /** Ids of the records yielded so far: a changed event replaces its previous version. */
  listedIds: string[];
  /** Calendars whose listing this pull did in full (their previous records missing from it are reported). */
  fullyListed: string[];
  /** Calendar id -> nextSyncToken of its finished listing. */
  nextSyncTokens: Record<string, string>;
  /** Of every record yielded so far. */
  fingerprint: Fingerprint;
}

export interface CalendarTarget {
  id: string;
  /** From the calendar list, when it was asked for. */
  name: string | null;
}

/**
 * One listing request sequence:
 * - `changes`: since the stored sync token (incremental);
 * - `window`: everything written since window.since, instances expanded up to the horizon;
 * - `beyond-horizon`: one-off events written since window.since that start after the horizon
 *   (the `window` listing's timeMax would miss a booking made now for a date two years out).
 */
export type Pass = 'changes' | 'window' | 'beyond-horizon';

export interface Cursor {
  /** Index into `calendars`. */
  calendar: number;
  pass: Pass;
  pageToken: string | null;
  /**
   * Google refused `updatedMin` as too far in the past (410 updatedMinTooLongAgo): list
   * without it and keep what was written since window.since here instead.
   */
  filterLocally: boolean;
}

const PASSES: readonly Pass[] = ['changes', 'window', 'beyond-horizon'];

/** The resume state of an interrupted pull, checked; one this version cannot read is an error, not a fresh start. */
export function readResumeState(value: unknown): PullState | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPullState(value)) {
    // The partial records file before the checkpoint would be kept and appended to:
    // starting over here would duplicate those records.
    throw new SourceInputError(
      'cannot resume the interrupted pull: its checkpoint was written by another version of salvage. ' +
        "Delete this source's .partial and .checkpoint.json files in <job>/records and pull again",
    );
  }
  return value;
}

function isPullState(value: unknown): value is PullState {
  const v = value as Partial<PullState>;
  if (typeof v !== 'object' || v.version !== 1) return false;
  if (!Array.isArray(v.calendars) || !v.calendars.every((c) => typeof c?.id === 'string')) return false;
  if (!Array.isArray(v.listedIds) || !Array.isArray(v.fullyListed) || !isFingerprint(v.fingerprint)) return false;
  if (typeof v.syncTokensUsed !== 'object' || typeof v.nextSyncTokens !== 'object') return false;
  const cursor = v.cursor;
  if (cursor === null) return true;
  return (
    typeof cursor === 'object' &&
    Number.isInteger(cursor?.calendar) &&
    PASSES.includes(cursor.pass) &&
    (cursor.pageToken === null || typeof cursor.pageToken === 'string') &&
    typeof cursor.filterLocally === 'boolean'
  );
}
