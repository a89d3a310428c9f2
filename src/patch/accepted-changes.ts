import type { Change, TableSummary } from '../changeset/changeset.js';
import { ChangeGroups } from '../changeset/change-groups.js';
import { hasOwn, own } from '../values/own.js';

/**
 * What the patch writes: the accepted inserts and updates of each table, by ordinal, in
 * the changeset's order. In memory for a changeset already read (buildPatch), or read
 * back from changeset.json a block at a time (accepted-file.ts), so that a patch of a
 * million rows does not hold a million changes.
 */
export interface AcceptedChanges {
  /** The ordinals of one table's accepted changes of one kind, in the changeset's order. */
  ordinals(table: string, kind: 'insert' | 'update'): readonly number[];
  /** The accepted change (a settled conflict as the insert or update it became). */
  get(ordinal: number): Change;
  /** The columns it gives, in the table's column order: its group for a set-based statement. */
  columnsOf(ordinal: number, table: TableSummary): readonly string[];
  /** The highest integer the table's sequence column gets among its inserts, if any. */
  highestSequenceValue(table: TableSummary): bigint | undefined;
}

/** The columns a change gives, in the table's column order. */
export function columnsGiven(change: Change, table: TableSummary): string[] {
  return Object.keys(table.columns).filter((col) => hasOwn(change.values, col));
}

/** The integer a change gives the table's sequence column, if it gives one. */
export function sequenceValue(change: Change, table: TableSummary): bigint | undefined {
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
  const get = (i: number) => accepted[i] as Change;
  return {
    ordinals: (table, kind) => byGroup.get(table, kind),
    get,
    columnsOf: (i, table) => columnsGiven(get(i), table),
    highestSequenceValue: (table) => {
      let max: bigint | undefined;
      for (const i of byGroup.get(table.table, 'insert')) max = higher(max, sequenceValue(get(i), table));
      return max;
    },
  };
}
