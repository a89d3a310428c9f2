import { createHash } from 'node:crypto';
import type { Change, TableSummary } from '../changeset/changeset.js';
import { hasOwn, own } from '../values/own.js';
import { setDelete } from '../sql/dml.js';
import { assignKeys, deleteWithKeys, deleteWithKeysOrder, insertWithKeys, KEY_MAP, KEY_MAP_STAGE_COLUMNS, keyedInsertStageColumns, type KeyedColumn } from '../sql/key-map.js';
import type { PatchLayout } from './patch.js';
import { stageRows } from './stage-rows.js';
import type { AcceptedChanges } from './accepted-changes.js';
import { provenance } from './provenance.js';
import type { SqlFileBuilder } from './sql-file.js';
import { bySignature, chunksOf, typed } from './statement-groups.js';

/** Rows per keyed statement written as a VALUES list, each row with its provenance. */
const KEYED_CHUNK = 1000;
export const KEY_MAP_TABLE = `${KEY_MAP.schema}.${KEY_MAP.name}`;

/**
 * The patch's names for keys the target makes at apply time: the change id, behind a
 * digest of every row the key map serves, so that the same changes make the same patch
 * (and patch id) while two different patches never share a name in the target's map.
 */
export interface KeyRefNames {
  of(changeId: string): string;
}

export function keyRefNames(plan: KeyedPlan): KeyRefNames {
  const prefix = plan.digest.slice(0, 16);
  return { of: (changeId) => `${prefix}/${changeId}` };
}

/** Whether a change has a column written through the key map. */
export function isKeyed(change: Change): boolean {
  return change.keyRefs !== undefined && Object.keys(change.keyRefs).length > 0;
}

/**
 * Which accepted inserts go through the key map, per table, and which of those the
 * patch leaves out because a row they point at is not in this patch (rejected, or a
 * conflict still open): such a row would find no key and roll the whole apply back.
 */
export class KeyedPlan {
  private readonly keyed = new Map<string, number[]>();
  private readonly owning = new Map<string, number[]>();
  readonly withheld: string[] = [];
  /** sha256 of the rows written through the key map (ids, values, references), in order. */
  readonly digest: string;

  constructor(tables: TableSummary[], accepted: AcceptedChanges) {
    const assigned = new Set<string>();
    const hash = createHash('sha256');
    // Parents come first (the changeset's tables are in foreign-key order).
    for (const table of tables) {
      const keyed: number[] = [];
      const owners: number[] = [];
      for (const i of accepted.ordinals(table.table, 'insert')) {
        const change = accepted.get(i);
        if (!isKeyed(change)) continue;
        const refs = change.keyRefs as Record<string, string>;
        const missing = Object.values(refs).find((ref) => ref !== change.id && !assigned.has(ref));
        if (missing !== undefined) {
          this.withheld.push(`${change.id}: points at ${missing}, which this patch does not insert`);
          continue;
        }
        keyed.push(i);
        hash.update(`${JSON.stringify([change.id, change.values, refs])}\n`);
        if (Object.values(refs).includes(change.id)) {
          owners.push(i);
          assigned.add(change.id);
        }
      }
      this.keyed.set(table.table, keyed);
      this.owning.set(table.table, owners);
    }
    this.digest = hash.digest('hex');
  }

  /** The table's accepted inserts that go through the key map. */
  rows(table: string): number[] {
    return this.keyed.get(table) ?? [];
  }

  /** Those whose own key the target makes. */
  owners(table: string): number[] {
    return this.owning.get(table) ?? [];
  }

  /** The plain inserts of a table: no key map involved. */
  plain(table: string, inserts: readonly number[], accepted: AcceptedChanges): number[] {
    return inserts.filter((i) => !isKeyed(accepted.get(i)));
  }
}

/** A keyed change's columns in table order: values it gives, and columns read from the key map. */
function keyedColumns(change: Change, table: TableSummary): string[] {
  return Object.keys(table.columns).filter((c) => hasOwn(change.values, c) || (change.keyRefs !== undefined && hasOwn(change.keyRefs, c)));
}

function columnsFor(change: Change, table: TableSummary, names: readonly string[]): KeyedColumn[] {
  return typed(table, [...names]).map((c) => ({ ...c, fromKeyMap: change.keyRefs !== undefined && hasOwn(change.keyRefs, c.name) }));
}

/**
 * The key map's new keys for the table's new rows, then the rows, reading their keys
 * from it. Like plain inserts, more rows than `layout.stageAbove` go through staging
 * tables filled by COPY: the references, then the rows with a text column per reference,
 * each moved by one set-based statement joined to the key map.
 */
export function emitKeyedInserts(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, plan: KeyedPlan, refs: KeyRefNames, layout: PatchLayout): void {
  const owners = plan.owners(table.table);
  if (owners.length) {
    const generator = table.keyAtApply?.generator;
    if (!generator) throw new Error(`${table.table}: the changeset has rows whose key the target makes, but no generator for it`);
    const staged = owners.length > layout.stageAbove;
    for (const chunk of chunksOf(owners, staged ? layout.stageChunk : KEYED_CHUNK)) {
      const changes = chunk.map((i) => accepted.get(i));
      const rows = staged
        ? { stage: stageRows(out, { ...KEY_MAP, table: KEY_MAP_TABLE }, changes, KEY_MAP_STAGE_COLUMNS, (change) => [refs.of(change.id)]) }
        : changes.map((change) => ({ ref: refs.of(change.id) }));
      out.statement('keys', table.table, assignKeys(generator, rows), chunk.length);
    }
  }
  for (const { changes, columns, staged } of keyedBlocks(table, accepted, plan, layout)) {
    const cellsOf = (change: Change) => columns.map((c) => (c.fromKeyMap ? refs.of(own(change.keyRefs, c.name) as string) : (own(change.values, c.name) ?? null)));
    const rows = staged
      ? { stage: stageRows(out, table, changes, keyedInsertStageColumns(columns), cellsOf) }
      : changes.map((change) => ({ comment: provenance(change), cells: cellsOf(change) }));
    out.statement('keyed-insert', table.table, insertWithKeys(table, columns, rows), changes.length);
  }
}

/**
 * The table's keyed rows in blocks of one statement: the same columns, each a value or a
 * key from the map; staged blocks when the group is larger than `layout.stageAbove`.
 */
function* keyedBlocks(table: TableSummary, accepted: AcceptedChanges, plan: KeyedPlan, layout: PatchLayout | undefined): Generator<{ changes: Change[]; columns: KeyedColumn[]; staged: boolean }> {
  const signature = (i: number) => {
    const change = accepted.get(i);
    return keyedColumns(change, table).map((c) => (change.keyRefs && hasOwn(change.keyRefs, c) ? `ref ${c}` : c));
  };
  for (const { ordinals } of bySignature(plan.rows(table.table), signature).values()) {
    const staged = layout !== undefined && ordinals.length > layout.stageAbove;
    for (const chunk of chunksOf(ordinals, staged && layout ? layout.stageChunk : KEYED_CHUNK)) {
      const changes = chunk.map((i) => accepted.get(i));
      const first = changes[0] as Change;
      yield { changes, columns: columnsFor(first, table, keyedColumns(first, table)), staged };
    }
  }
}

/** Undo of keyed inserts: each row under the key the map recorded, while it holds what the patch wrote. */
export function emitKeyedRemovals(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, plan: KeyedPlan, refs: KeyRefNames): void {
  for (const { changes, columns } of keyedBlocks(table, accepted, plan, undefined)) {
    const ordered = deleteWithKeysOrder(table.primaryKey, columns);
    const cells = changes.map((change) => ({
      cells: ordered.map((c) => (c.fromKeyMap ? refs.of(own(change.keyRefs, c.name) as string) : (own(change.values, c.name) ?? own(change.key, c.name) ?? null))),
    }));
    out.statement('keyed-delete', table.table, deleteWithKeys(table, table.primaryKey, columns, cells), changes.length);
  }
}

/** Undo's last step: the key map forgets the keys of the rows it removed. */
export function forgetKeys(out: SqlFileBuilder, tables: TableSummary[], accepted: AcceptedChanges, plan: KeyedPlan, refs: KeyRefNames): void {
  const all = tables.flatMap((t) => plan.owners(t.table));
  for (const chunk of chunksOf(all, KEYED_CHUNK)) {
    const rows = chunk.map((i) => ({ key: [refs.of(accepted.get(i).id)], guards: [] }));
    out.statement('forget-keys', KEY_MAP_TABLE, setDelete(KEY_MAP, [{ name: 'ref', type: 'text' }], [], rows), chunk.length);
  }
}
