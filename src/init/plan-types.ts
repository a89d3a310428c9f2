import type { CatalogTable } from '../db/catalog-types.js';
import type { RecordFamily } from './families.js';
import type { FlowValue } from './yaml-text.js';

/**
 * What init decided for each table, before it is written out as YAML: kept as data
 * so that the report, the tests and the renderer read the same decisions.
 */

/** A marker the mapping loader rejects, so that validation fails until a person fills it. */
export const TODO = 'TODO:';

export interface PlannedColumn {
  column: string;
  /** The column's spec as written after `column:`; a TODO is a `TODO: ...` string the loader refuses. */
  spec: FlowValue;
  why: string;
  /** Read out of a text field (a `Label: value` line), not a field of its own. */
  fromText: boolean;
  /** The spec holds a TODO (a whole column, or a time zone). */
  todo: boolean;
}

export interface PlannedExtract {
  from: string;
  pattern: string;
  flags: string;
  why: string;
}

export interface PlannedCondition {
  /** A path, or a TODO text that makes the loader refuse the rule until it is written. */
  path: string;
  condition: FlowValue;
  why: string;
}

/** Why a family's records describe rows of a table, strongest first. */
export interface Anchor {
  strength: 3 | 2 | 1;
  why: string;
}

export interface PlannedRule {
  family: RecordFamily;
  anchor: Anchor;
  when: PlannedCondition[];
  extracts: PlannedExtract[];
  columns: PlannedColumn[];
  /** Columns this rule leaves alone, each with why: shown as comments so nothing is a silent gap. */
  leftOut: Array<{ column: string; why: string }>;
}

export interface PlannedMerge {
  column: string;
  policy: FlowValue;
  why: string;
}

export interface PlannedTable {
  table: CatalogTable;
  /** File name under mappings/. */
  file: string;
  /** How the table is named in `table:`. */
  name: string;
  match?: string[][];
  matchWhy: string;
  prefer: string[];
  preferWhy?: string;
  merge: PlannedMerge[];
  keepExisting: string[];
  rules: PlannedRule[];
}

/** A table init wrote no mapping for, and why. */
export interface UnplannedTable {
  table: CatalogTable;
  why: string;
}
