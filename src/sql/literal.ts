import { SqlSafetyError } from './identifier.js';

/**
 * A value as it goes into SQL text. Strings are the canonical form for every
 * column type: PostgreSQL coerces an untyped literal to the target column's type,
 * so `'45.00'` lands in a numeric column and `'2026-03-01 10:00:00+00'` in a
 * timestamptz without salvage guessing at casts.
 */
export type SqlValue = string | number | bigint | boolean | null;

/**
 * Renders a value as a literal. Strings use the standard form `'...'` with `'`
 * doubled, which is exact because every salvage session and patch sets
 * `standard_conforming_strings = on` (backslashes are then ordinary characters).
 * NUL cannot be stored in PostgreSQL text, so it is refused rather than mangled.
 */
export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SqlSafetyError(`${value} cannot be written as an SQL number`);
    // Quoted so that the column type, not JavaScript's float, decides the meaning.
    return `'${String(value)}'`;
  }
  if (value.includes('\u0000')) {
    throw new SqlSafetyError('text contains a NUL byte (U+0000), which PostgreSQL text cannot store');
  }
  return `'${value.replaceAll("'", "''")}'`;
}
