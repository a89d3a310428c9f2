import type { DatabaseIdentity } from '../db/identity.js';

/**
 * The changeset: everything reconcile concluded, as one reviewable JSON file.
 * `patch` and `diff` read only this (never a database), so what a reviewer
 * approved is exactly what gets written. Values are PostgreSQL text forms.
 */
import type { KeyGenerator } from './key-refs.js';

export const CHANGESET_FORMAT = 'salvage.changeset/1';

export interface Evidence {
  source: string;
  /** The record's id within its source. */
  record: string;
  /** Provenance a human can follow. */
  ref: string;
  /** `<mapping file>#<rule name>` */
  rule: string;
}

export interface Alternative {
  value: string | null;
  evidence: Evidence[];
}

/** Sources disagreed about a value and a policy chose one; kept for review. */
export interface Disagreement {
  chosen: string | null;
  /** How the choice was made: `prefer: payments > calendar`, `latest`, ... */
  by: string;
  alternatives: Alternative[];
}

export type ChangeKind = 'insert' | 'update' | 'conflict' | 'unrecoverable';

export type UnrecoverableReason =
  | 'missing-required'
  | 'missing-parent'
  | 'ambiguous-match'
  | 'invalid-value'
  | 'unknown-key'
  | 'deleted-live';

export interface Change {
  /** Stable id: `public.bookings#1042` (by primary key) or `public.bookings@reference=K7QX2P`. */
  id: string;
  table: string;
  kind: ChangeKind;
  /** Primary key values (for inserts without a known key: the key assigned from the sequence). */
  key: Record<string, string>;
  /** The key was assigned by salvage, not carried by a source (changesets of earlier versions). */
  keyAssigned?: boolean;
  /**
   * Columns whose value is a key the target assigns at apply time: column -> the id of
   * the change that inserts that row (this change's own id for its primary key). Such a
   * column is absent from `values`; the patch writes it through the key map.
   */
  keyRefs?: Record<string, string>;
  /** insert: every column written; update: new values of changed columns; conflict/unrecoverable: what is known. */
  values: Record<string, string | null>;
  /** update: the backup's values of the changed columns (the guard). */
  old?: Record<string, string | null>;
  evidence: Record<string, Evidence[]>;
  disagreements?: Record<string, Disagreement>;
  /** How sure salvage is, and why (inserts, updates, conflicts). */
  confidence?: { score: number; reasons: string[] };
  /** conflict: columns on which sources disagree with no policy to choose. */
  conflicts?: Record<string, Alternative[]>;
  /** insert: NOT NULL-with-default or nullable columns no source filled (left to the database). */
  defaulted?: string[];
  /**
   * The live target's row this change meets (three-way reconcile): its current values of
   * the columns shown, and why it matters (`key-reused`, `changed-live`, `natural-key`).
   */
  live?: { key: Record<string, string>; values: Record<string, string | null>; why: LiveMeeting };
  reason?: UnrecoverableReason;
  detail?: string;
  notes?: string[];
}

/**
 * How a change met the live target: the live app reused the key a source proves for
 * another row; changed a column the recovery also changes; or the row is one the live
 * app created again after the restart, found by a unique key (a returning customer).
 */
export type LiveMeeting = 'key-reused' | 'changed-live' | 'natural-key';

export interface TableCounts {
  insert: number;
  update: number;
  unchanged: number;
  conflict: number;
  unrecoverable: number;
}

export interface TableSummary {
  table: string;
  schema: string;
  name: string;
  primaryKey: string[];
  /** column -> format_type text, for every column salvage may write. */
  columns: Record<string, string>;
  /** The sequence behind a single-column key, moved past the highest key written. */
  sequence?: { schema: string; name: string; column: string };
  /** How the target makes the key of a new row no source gives one (at apply time). */
  keyAtApply?: { column: string; generator: KeyGenerator };
  counts: TableCounts;
}

export interface UnmappedRecords {
  source: string;
  type: string;
  count: number;
  /** References of the first few such records. */
  samples: string[];
  /** What each sample is about, one line each, in the order of `samples` (absent in older changesets). */
  gists?: string[];
}

export interface RuleFailureEntry {
  rule: string;
  source: string;
  record: string;
  ref: string;
  column: string;
  message: string;
}

export interface Changeset {
  format: typeof CHANGESET_FORMAT;
  createdAt: string;
  window: { from: string; to: string; since: string };
  /**
   * identity: which database this is, whatever URL reached it (apply refuses to write into it).
   * rows: how many rows each reconciled table held in it, the snapshot the changeset was made from.
   * (Both absent in changesets made before they were recorded.)
   */
  backup: { database: string; describe: string; identity?: DatabaseIdentity; rows?: Record<string, number> };
  /**
   * The live target reconcile compared with too (three-way), when one was configured;
   * identity: which database it is (apply refuses another target unless told).
   */
  target?: { database: string; describe: string; identity?: DatabaseIdentity };
  /** Tables in foreign-key order (parents first): the order patches write them. */
  tables: TableSummary[];
  /**
   * The ledger per source: every record pulled is mapped (at least one rule made a
   * candidate of it), unmapped (no rule applied) or rejected (rules applied, and every
   * one of them failed on a value; or the pull could not read it: `unreadable`).
   * records = mapped + unmapped + rejected, unreadable records included in both.
   */
  sources: Array<{
    name: string;
    records: number;
    mapped?: number;
    unmapped?: number;
    rejected?: number;
    /** Of `rejected`: records the pull could not read (<job>/rejected/<source>.ndjson), by rule `pull` and column = what was rejected. */
    unreadable?: number;
    /** Why records were rejected: by the rule and column of each record's first failure; the counts sum to `rejected`. */
    rejectedBy?: Array<{ rule: string; column: string; count: number; example: { ref: string; message: string } }>;
  }>;
  changes: Change[];
  unmapped: UnmappedRecords[];
  failures: { count: number; samples: RuleFailureEntry[] };
  /** What reconcile wants reviewers to see before the changes (NOT NULL columns no rule fills that default to now()), each with the mapping file:line. */
  warnings?: string[];
}
