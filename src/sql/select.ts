import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';

/** Every listed column of a table, for a streaming read of the backup. */
export function selectAllRows(table: QualifiedName, columns: string[]): string {
  return `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteQualified(table)}`;
}

/** A sequence's position: nextval() hands out last_value + 1 when is_called. */
export function selectSequenceState(sequence: QualifiedName): string {
  return `SELECT last_value, is_called FROM ${quoteQualified(sequence)}`;
}

/** Opens a consistent, read-only view of the backup across all the tables read. */
export const BEGIN_READ_ONLY_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
export const COMMIT = 'COMMIT';
export const ROLLBACK = 'ROLLBACK';
/** The least a server can answer: one round trip, timed. */
export const ROUND_TRIP = 'SELECT 1';
