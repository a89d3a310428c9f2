import type { DatabaseIdentity } from '../db/identity.js';

/**
 * The changeset: everything reconcile concluded, as one reviewable JSON file.
 * `patch` and `diff` read only this (never a database), so what a reviewer
 * approved is exactly what gets written. Values are PostgreSQL text forms.
 */
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
  | 'unknown-key';

export interface Change {
  /** Stable id: `public.bookings#1042` (by primary key) or `public.bookings@reference=K7QX2P`. */
  id: string;
  table: string;
  kind: ChangeKind;
  /** Primary key values (for inserts without a known key: the key assigned from the sequence). */
  key: Record<string, string>;
  /** The key was assigned by salvage, not carried by a source. */
  keyAssigned?: boolean;
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
  reason?: UnrecoverableReason;
  detail?: string;
  notes?: string[];
}

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
  counts: TableCounts;
}

export interface UnmappedRecords {
  source: string;
  type: string;
  count: number;
  samples: string[];
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
  /** identity: which database this is, whatever URL reached it (apply refuses to write into it). */
  backup: { database: string; describe: string; identity?: DatabaseIdentity };
  /** Tables in foreign-key order (parents first): the order patches write them. */
  tables: TableSummary[];
  /**
   * The ledger per source: every record pulled is mapped (at least one rule made a
   * candidate of it), unmapped (no rule applied) or rejected (rules applied, and every
   * one of them failed on a value). records = mapped + unmapped + rejected.
   */
  sources: Array<{
    name: string;
    records: number;
    mapped?: number;
    unmapped?: number;
    rejected?: number;
    /** Why records were rejected: by the rule and column of each record's first failure; the counts sum to `rejected`. */
    rejectedBy?: Array<{ rule: string; column: string; count: number; example: { ref: string; message: string } }>;
  }>;
  changes: Change[];
  unmapped: UnmappedRecords[];
  failures: { count: number; samples: RuleFailureEntry[] };
}
