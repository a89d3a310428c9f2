import type { CatalogColumn } from '../db/catalog-types.js';
import type { ColumnRule } from './types.js';
import { TRANSFORMS } from './transforms/registry.js';
import type { OutputKind } from './transforms/core.js';

export type { OutputKind };

/**
 * What kind of value a column holds and what kind a mapping rule produces, so that
 * a rule that can only ever fail (a timestamp into an integer column) is caught
 * before any record is read. Deliberately coarse: only mismatches that are wrong
 * for every value are reported; anything uncertain passes.
 */
export type ColumnKind = 'integer' | 'decimal' | 'text' | 'timestamp' | 'date' | 'time' | 'boolean' | 'uuid' | 'other';

const COLUMN_KINDS: Readonly<Record<string, ColumnKind>> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  numeric: 'decimal',
  float4: 'decimal',
  float8: 'decimal',
  money: 'decimal',
  text: 'text',
  varchar: 'text',
  bpchar: 'text',
  citext: 'text',
  name: 'text',
  timestamptz: 'timestamp',
  timestamp: 'timestamp',
  date: 'date',
  time: 'time',
  timetz: 'time',
  bool: 'boolean',
  uuid: 'uuid',
};

export function columnKind(column: Pick<CatalogColumn, 'typeName' | 'type'>): ColumnKind {
  // Arrays hold lists; nothing here reasons about them.
  if (column.type.endsWith('[]')) return 'other';
  return COLUMN_KINDS[column.typeName] ?? 'other';
}

/**
 * The kind each transform produces. Steps not listed (trim, replace, split, default,
 * nullif...) keep whatever kind came in: `trim` of "42" is still a number. `shift` and
 * `truncate` are left out on purpose: they keep the kind too (a shifted timestamp is a
 * timestamp, a truncated date a date).
 */
/** What a column rule produces; `map` and lookups are judged elsewhere (by their values, by the parent). */
export function outputKind(rule: Pick<ColumnRule, 'transforms' | 'constant' | 'from'>): OutputKind {
  let kind: OutputKind = rule.from.length === 0 ? constantKind(rule.constant) : 'unknown';
  for (const step of rule.transforms) {
    const output = TRANSFORMS.get(step.name)?.output ?? 'same';
    if (output !== 'same') kind = output;
  }
  return kind;
}

function constantKind(value: unknown): OutputKind {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'decimal';
  // A text constant may be '2026-01-01' or '42': PostgreSQL decides.
  return 'unknown';
}

/** Undefined when the value can go in; otherwise why it cannot, worded for the mapping's author. */
export function mismatch(output: OutputKind, column: ColumnKind): string | undefined {
  if (output === 'unknown' || column === 'other' || column === 'text') return undefined;
  if (output === column) return undefined;
  switch (column) {
    case 'integer':
      if (output === 'decimal') return 'a decimal into an integer column: every value with a fraction fails (use int, or amount_to_cents for money)';
      return `${describe(output)} into an integer column`;
    case 'decimal':
      return output === 'integer' ? undefined : `${describe(output)} into a numeric column`;
    case 'timestamp':
      return output === 'date' ? undefined : `${describe(output)} into a timestamp column (use timestamp)`;
    case 'date':
      if (output === 'timestamp') return 'an instant into a date column: its day depends on the zone (use { date: { tz: Area/City } })';
      return `${describe(output)} into a date column (use date)`;
    case 'time':
      return `${describe(output)} into a time column (use time)`;
    case 'boolean':
      return output === 'integer' ? undefined : `${describe(output)} into a boolean column (use boolean)`;
    case 'uuid':
      return output === 'text' ? undefined : `${describe(output)} into a uuid column`;
  }
}

function describe(kind: OutputKind): string {
  switch (kind) {
    case 'integer':
      return 'an integer';
    case 'decimal':
      return 'a decimal';
    case 'text':
      return 'text';
    case 'timestamp':
      return 'a timestamp';
    case 'date':
      return 'a date';
    case 'time':
      return 'a time of day';
    case 'boolean':
      return 'a boolean';
    case 'unknown':
      return 'a value';
  }
}
