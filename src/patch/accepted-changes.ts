import type { Change, TableSummary } from '../changeset/changeset.js';
import { ChangeGroups } from '../changeset/change-groups.js';
import { hasOwn, own } from '../values/own.js';
import { Interned } from './interned.js';
import { isKeyed, patchRowOf, sourceRulesOf, type PatchRow, type SourceRule } from './patch-row.js';

/** A column of a row written through the key map: a value of its own, or a key read from the map. */
export interface KeyedColumnName {
  name: string;
  fromKeyMap: boolean;
}

/**
 * What the patch writes: the accepted inserts and updates of each table, by ordinal, in
 * the changeset's order. In memory for a changeset already read (buildPatch), or read
 * back from a spill file a row at a time (accepted-file.ts), so that a patch of a
 * million rows does not hold a million changes. What a statement is grouped by (its
 * columns, whether it goes through the key map) is known without reading the row back.
 */
export interface AcceptedChanges {
  /** The ordinals of one table's accepted changes of one kind, in the changeset's order. */
  ordinals(table: string, kind: 'insert' | 'update'): Ordinals;
  /** The accepted change's row (a settled conflict as the insert or update it became). */
  get(ordinal: number): PatchRow;
  /** Its change id, without reading the row back. */
  id(ordinal: number): string;
  /** The sources and rules it comes from (sourceRulesOf its origins), without reading the row back. */
  sourceRules(ordinal: number): readonly SourceRule[];
  /** The columns it gives, in the table's column order: its group for a set-based statement. */
  columnsOf(ordinal: number, table: TableSummary): readonly string[];
  /** Whether it has a column written through the key map. */
  keyed(ordinal: number): boolean;
  /** A keyed row's columns in table order: values it gives, and columns read from the key map. */
  keyedColumnsOf(ordinal: number, table: TableSummary): readonly KeyedColumnName[];
  /** The highest integer the table's sequence column gets among its inserts, if any. */
  highestSequenceValue(table: TableSummary): bigint | undefined;
}

/** Ordinals of accepted changes: an array, or a typed array when there are millions (ordinal-groups.ts). */
export type Ordinals = ArrayLike<number> & Iterable<number>;

/** The rows of `ordinals`, each read back as it is needed and let go once used. */
export function* rowsOf(accepted: AcceptedChanges, ordinals: Iterable<number>): Generator<PatchRow> {
  for (const i of ordinals) yield accepted.get(i);
}

/** The columns a change gives, in the table's column order. */
export function columnsGiven(change: Pick<Change, 'values'>, table: TableSummary): string[] {
  return Object.keys(table.columns).filter((col) => hasOwn(change.values, col));
}

/** A change's columns for the key map, in table order (see AcceptedChanges.keyedColumnsOf). */
export function keyedColumnsGiven(change: Pick<Change, 'values' | 'keyRefs'>, table: TableSummary): KeyedColumnName[] {
  const columns: KeyedColumnName[] = [];
  for (const name of Object.keys(table.columns)) {
    const fromKeyMap = change.keyRefs !== undefined && hasOwn(change.keyRefs, name);
    if (fromKeyMap || hasOwn(change.values, name)) columns.push({ name, fromKeyMap });
  }
  return columns;
}

/** The integer a change gives the table's sequence column, if it gives one. */
export function sequenceValue(change: Pick<Change, 'values'>, table: TableSummary): bigint | undefined {
  const seq = table.sequence;
  const v = seq ? own(change.values, seq.column) : undefined;
  return v == null || !/^-?\d+$/.test(v) ? undefined : BigInt(v);
}

export function higher(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  return a === undefined || (b !== undefined && b > a) ? b : a;
}

/** Accepted changes held in memory. */
export function acceptedInMemory(accepted: Change[]): AcceptedChanges {
  const byGroup = new ChangeGroups<number>();
  accepted.forEach((change, i) => byGroup.add(change.table, change.kind, i));
  const change = (i: number) => accepted[i] as Change;
  // One array per set of columns, as rows read back from a spill have (bySignature relies on it).
  const columnSets = new Interned<readonly string[]>();
  const keyedSets = new Interned<readonly KeyedColumnName[]>();
  return {
    ordinals: (table, kind) => byGroup.get(table, kind),
    get: (i) => patchRowOf(change(i)),
    id: (i) => change(i).id,
    sourceRules: (i) => sourceRulesOf(patchRowOf(change(i)).origins),
    columnsOf: (i, table) => {
      const columns = columnsGiven(change(i), table);
      return columnSets.kept(`${table.table}\u0000${columns.join('\u0000')}`, columns);
    },
    keyed: (i) => isKeyed(change(i)),
    keyedColumnsOf: (i, table) => {
      const columns = keyedColumnsGiven(change(i), table);
      return keyedSets.kept(`${table.table}\u0000${columns.map((c) => `${c.fromKeyMap ? 'ref' : 'value'} ${c.name}`).join('\u0000')}`, columns);
    },
    highestSequenceValue: (table) => {
      let max: bigint | undefined;
      for (const i of byGroup.get(table.table, 'insert')) max = higher(max, sequenceValue(change(i), table));
      return max;
    },
  };
}
