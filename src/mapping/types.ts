import type { SourceRecord } from '../records/envelope.js';
import type { FieldPath } from './path.js';
import type { Pattern } from './pattern.js';
import type { TransformStep, Value } from './transforms/index.js';

export type { Value };

/** A compiled condition on one field of a record. */
export type Test = (value: unknown) => boolean;

/** A compiled `when:` entry (a field condition or an any/all/not block) on a whole record. */
export type CompiledCondition = (record: SourceRecord) => boolean;

export interface CompiledExtract {
  from: FieldPath;
  pattern: Pattern;
  optional: boolean;
}

/** How one column's value is produced by a rule. */
/** Where something was written, for errors found later (e.g. against the live schema). */
export interface SourcePosition {
  file: string;
  line?: number;
  column?: number;
}

export interface ColumnRule {
  column: string;
  position: SourcePosition;
  /** Alternatives tried in order; the first that is present wins (coalesce). */
  from: FieldPath[];
  /** A constant, used when `from` is empty. `undefined` when the rule reads fields. */
  constant?: Value;
  transforms: TransformStep[];
  default?: Value;
  /** The value is a natural key of another table, resolved to that row's key at reconcile. */
  lookup?: ColumnLookup;
  /** A JSON object built from members (each a rule of its own), in the order written. */
  json?: Array<{ key: string; rule: ColumnRule }>;
}

/** `each:`: one candidate per element of a list read from the record. */
export interface CompiledEach {
  from: FieldPath;
  /** Splits a text into elements (trimmed, empty ones skipped); an array needs none. */
  split?: string;
  /** The capture name the element goes by (`item` unless `as:` says otherwise). */
  as: string;
}

/**
 * A lookup of a parent row by one column (`by`, the value coming from the column rule's
 * own `from`), or by several (`parts`, each giving one parent column's value, and `by`
 * naming them as `(a, b)` for messages and identity).
 */
export interface ColumnLookup {
  table: string;
  by: string;
  optional: boolean;
  /** A lookup by several columns: each part is the parent column it fills and how (itself maybe a one-column lookup). */
  parts?: ColumnRule[];
}

export interface CompiledRule {
  /** `<file>#<name>`: how the rule is cited in changesets and reports. */
  id: string;
  name: string;
  table: string;
  position: SourcePosition;
  /** Where `source:` is written, for "no source named ..." errors. */
  sourcePosition?: SourcePosition;
  sources?: Set<string>;
  types?: RegExp;
  /** `type:` as written (globs), for compiling the rule to SQL. */
  typeGlobs?: string[];
  conditions: CompiledCondition[];
  /** `when:` as written (validated into `conditions`), for compiling the rule to SQL. */
  when?: unknown;
  extracts: CompiledExtract[];
  each?: CompiledEach;
  columns: ColumnRule[];
}

export type MergePolicy = { kind: 'prefer'; sources: string[] } | { kind: 'earliest' | 'latest' | 'max' | 'min' };

export interface TableMapping {
  file: string;
  /** Positions of the table-level keys, for errors found against the catalog. */
  positions: {
    table: SourcePosition;
    match?: SourcePosition;
    prefer?: SourcePosition;
    keepExisting?: SourcePosition;
    merge: Record<string, SourcePosition>;
  };
  /** As written in the file (`bookings` or `public.bookings`); resolved against the catalog at reconcile. */
  table: string;
  /** Match keys in order; undefined means "primary key, then every unique key". */
  match?: string[][];
  prefer: string[];
  merge: Record<string, MergePolicy>;
  /** Columns whose backup value stands for rows the backup has (unless NULL there, which sources fill); new rows get them from sources. */
  keepExisting: Set<string>;
  rules: CompiledRule[];
}

export interface MappingSet {
  tables: TableMapping[];
  /** Every rule, in file order. */
  rules: CompiledRule[];
}
