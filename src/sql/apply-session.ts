import { literal } from './literal.js';

/** Statements apply runs around a patch's own statements. */
export const APPLY_BEGIN = 'BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE';
export const APPLY_COMMIT = 'COMMIT';
export const APPLY_ROLLBACK = 'ROLLBACK';
export const SELECT_CURRENT_DATABASE = 'SELECT current_database() AS name';

const SETTABLE = new Set(['lock_timeout', 'statement_timeout', 'standard_conforming_strings', 'TimeZone']);

/** `SET LOCAL name = 'value'` for the few settings apply controls. */
export function setLocal(name: string, value: string): string {
  if (!SETTABLE.has(name)) throw new Error(`apply does not set ${name}`);
  return `SET LOCAL ${name} = ${literal(value)}`;
}
