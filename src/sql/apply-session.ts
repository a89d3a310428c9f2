import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';
import { literal } from './literal.js';

/** Statements apply runs around a patch's own statements. */
export const APPLY_BEGIN = 'BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE';
export const APPLY_COMMIT = 'COMMIT';
export const APPLY_ROLLBACK = 'ROLLBACK';
export const SELECT_CURRENT_DATABASE = 'SELECT current_database() AS name, current_user AS role';

const SETTABLE = new Set(['lock_timeout', 'statement_timeout', 'standard_conforming_strings', 'TimeZone', 'jit']);

/** `SET LOCAL name = 'value'` for the few settings apply controls. */
export function setLocal(name: string, value: string): string {
  if (!SETTABLE.has(name)) throw new Error(`apply does not set ${name}`);
  return `SET LOCAL ${name} = ${literal(value)}`;
}

/**
 * Apply's queries each run once, over a staged block or a thousand keys: compiling them
 * with JIT (which large cost estimates trigger) costs more than it saves, about half a
 * second a query.
 */
export const APPLY_NO_JIT = setLocal('jit', 'off');

/**
 * One lock for every salvage apply on a database, held until the transaction
 * ends: a second apply does not wait, it is refused at once.
 */
export const APPLY_LOCK_KEY = 7_305_747_311_218_745_601n;
export const TRY_APPLY_LOCK = `SELECT pg_try_advisory_xact_lock(${APPLY_LOCK_KEY}) AS locked`;

export type KeyConstant = string | null;

/**
 * The current rows behind a list of keys, locked until the transaction ends so
 * that what the drift check saw is what the patch writes over.
 */
export function selectRowsByKey(table: QualifiedName, columns: string[], keyColumns: string[], keys: KeyConstant[][], lock: boolean): string {
  const lhs = keyColumns.length === 1 ? quoteIdent(keyColumns[0] as string) : `(${keyColumns.map(quoteIdent).join(', ')})`;
  const tuples = keys.map((k) => (k.length === 1 ? literal(k[0] ?? null) : `(${k.map((v) => literal(v)).join(', ')})`));
  return `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteQualified(table)} WHERE ${lhs} IN (${tuples.join(', ')})${lock ? ' FOR UPDATE' : ''}`;
}
