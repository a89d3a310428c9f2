import { createHash } from 'node:crypto';
import type { DatabaseIdentity } from '../db/identity.js';

export const MANIFEST_FORMAT = 'salvage.patch/1';

/**
 * `stage` creates a temporary table and `copy` fills it (see src/sql/staged.ts): they
 * only prepare rows; the insert, update or delete that follows writes them.
 */
export type StatementKind = 'insert' | 'update' | 'sequence' | 'delete' | 'stage' | 'copy' | KeyMapStatementKind;

/**
 * Statements of keys the target makes at apply time (src/sql/key-map.ts): `keys` fills
 * the key map; `keyed-insert` and `keyed-delete` write rows reading keys from it;
 * `forget-keys` (undo) empties it of the patch's keys.
 */
export type KeyMapStatementKind = 'keys' | 'keyed-insert' | 'keyed-delete' | 'forget-keys';

/** Whether a statement of this kind changes the target's own tables (and counts as rows written). */
export function writesRows(kind: StatementKind): boolean {
  return kind !== 'stage' && kind !== 'copy' && kind !== 'keys' && kind !== 'forget-keys';
}

/** The kind a statement's rows are counted as, per table: a keyed insert is an insert. */
export function countedKind(kind: StatementKind): string {
  return kind === 'keyed-insert' ? 'insert' : kind === 'keyed-delete' ? 'delete' : kind;
}

/** One statement of patch.sql or undo.sql: where it is and how many rows it must touch. */
export interface StatementEntry {
  kind: StatementKind;
  table: string;
  /** 1-based, inclusive line range in the SQL file. */
  startLine: number;
  endLine: number;
  expectedRows: number;
}

export interface PatchManifest {
  format: typeof MANIFEST_FORMAT;
  /** First 16 hex digits of patch.sql's sha256: how history and humans name this patch. */
  id: string;
  createdAt: string;
  changeset: { sha256: string; createdAt: string };
  /**
   * identity: which database reconcile read; rows: how many rows each reconciled table held
   * there (both absent in changesets made before they were recorded).
   */
  backup: { database: string; identity?: DatabaseIdentity; rows?: Record<string, number> };
  /**
   * The target reconcile compared with, when one was configured: apply writes into that
   * database only, unless told it is another on purpose (--other-target).
   */
  target?: { database: string; identity?: DatabaseIdentity };
  patch: { file: 'patch.sql'; sha256: string; statements: StatementEntry[] };
  undo: { file: 'undo.sql'; sha256: string; statements: StatementEntry[] };
  counts: Record<string, { insert: number; update: number }>;
  /** Changes not in this patch, and why (conflicts awaiting a decision, unrecoverable rows). */
  withheld: { conflict: number; unrecoverable: number; rejected: number; notAccepted: number; parentNotWritten?: number };
  /** Accepted new rows left out because a row they point at is not in this patch. */
  parentNotWritten?: string[];
  /** decisions.yaml as it was used (sha256 of '' when there was none), and its entries that matched nothing. */
  decisions: { sha256: string; stale: string[] };
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
