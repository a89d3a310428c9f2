import { createHash } from 'node:crypto';
import { DigestSet } from '../runtime/digest-set.js';
import { IntList } from '../runtime/int-list.js';
import { OrdinalSet } from '../runtime/ordinal-set.js';
import type { TableSummary } from '../changeset/changeset.js';
import { own } from '../values/own.js';
import { keyedStageColumns, setDelete } from '../sql/dml.js';
import { assignKeys, deleteWithKeys, deleteWithKeysOrder, insertWithKeys, insertWithNewKeys, KEY_MAP, KEY_MAP_STAGE_COLUMNS, keyedDeleteStageColumns, keyedInsertStageColumns, type KeyedColumn } from '../sql/key-map.js';
import type { PatchLayout } from './patch.js';
import { stageRows } from './stage-rows.js';
import { rowsOf, type AcceptedChanges, type KeyedColumnName, type Ordinals } from './accepted-changes.js';
import type { PatchRow } from './patch-row.js';
import { provenance } from './provenance.js';
import type { SqlFileBuilder } from './sql-file.js';
import { bySignature, chunksAcross, chunksOf } from './statement-groups.js';

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

/**
 * Which accepted inserts go through the key map, per table, and which of those the
 * patch leaves out because a row they point at is not in this patch (rejected, or a
 * conflict still open): such a row would find no key and roll the whole apply back.
 * Made from the keyed inserts in plan order: tables in the changeset's order (parents
 * first, foreign-key order), each table's in the changeset's order. That is the order
 * reconcile writes them in, so reading changeset.json makes the plan on the way
 * (`add`); otherwise `KeyedPlan.of` reads them back in that order.
 */
export class KeyedPlan {
  private readonly keyed = new Map<string, IntList>();
  private readonly owning = new Map<string, IntList>();
  readonly withheld: string[] = [];
  private readonly tableOrder: Map<string, number>;
  private current = 0;
  /**
   * The ids of keyed rows this patch inserts so far, as digests: a Set of a million ids
   * held some 85 MB. A false "assigned" (two ids sharing a 64-bit digest) would keep a row
   * whose parent is not in the patch; apply's key lookup then finds no key for it, drops
   * it, and the count check rolls the whole apply back: never a row under a wrong key.
   */
  private readonly assigned = new DigestSet();
  private readonly hash = createHash('sha256');
  /** Lines not yet hashed: hashed some 64 KB at a time, as a hash update per row cost more than the row. */
  private pending = '';
  private finished: string | undefined;

  constructor(tables: readonly TableSummary[]) {
    this.tableOrder = new Map(tables.map((t, i) => [t.table, i]));
    for (const table of tables) {
      this.keyed.set(table.table, new IntList());
      this.owning.set(table.table, new IntList());
    }
  }

  /** The plan of these accepted changes, each keyed insert read back in plan order. */
  static of(tables: readonly TableSummary[], accepted: AcceptedChanges): KeyedPlan {
    const plan = new KeyedPlan(tables);
    for (const table of tables) {
      for (const i of accepted.ordinals(table.table, 'insert')) {
        if (!accepted.keyed(i)) continue;
        const row = accepted.get(i);
        plan.add(table.table, i, row, JSON.stringify(row));
      }
    }
    return plan;
  }

  /**
   * The next keyed insert in plan order, and `text`, its JSON (`JSON.stringify(row)`,
   * which reading changeset.json has made already for its spill): the digest is of the
   * rows' texts. False when it comes too late: a table after its own came first, so the
   * plan must be made with `of` instead. An insert into a table the changeset does not
   * list is no part of the plan.
   */
  add(table: string, ordinal: number, row: Pick<PatchRow, 'id' | 'keyRefs'>, text: string): boolean {
    const index = this.tableOrder.get(table);
    if (index === undefined) return true;
    if (index < this.current || this.finished !== undefined) return false;
    this.current = index;
    const refs = row.keyRefs as Record<string, string>;
    const missing = Object.values(refs).find((ref) => ref !== row.id && !this.assigned.has(ref));
    if (missing !== undefined) {
      this.withheld.push(`${row.id}: points at ${missing}, which this patch does not insert`);
      return true;
    }
    this.keyed.get(table)?.push(ordinal);
    this.pending += `${text}\n`;
    if (this.pending.length >= 65_536) {
      this.hash.update(this.pending);
      this.pending = '';
    }
    if (Object.values(refs).includes(row.id)) {
      this.owning.get(table)?.push(ordinal);
      this.assigned.add(row.id);
    }
    return true;
  }

  /** sha256 of the rows written through the key map (their JSON: ids, keys, values, references, origins), in order; the plan takes no more rows once read. */
  get digest(): string {
    if (this.finished === undefined) {
      this.finished = this.hash.update(this.pending).digest('hex');
      this.pending = '';
      this.assigned.clear();
    }
    return this.finished;
  }

  /** The table's accepted inserts that go through the key map. */
  rows(table: string): Int32Array {
    return this.keyed.get(table)?.view() ?? new Int32Array(0);
  }

  /** Those whose own key the target makes. */
  owners(table: string): Int32Array {
    return this.owning.get(table)?.view() ?? new Int32Array(0);
  }

  /** The plain inserts of a table: no key map involved. */
  plain(table: string, inserts: Ordinals, accepted: AcceptedChanges): number[] {
    const plain: number[] = [];
    for (const i of inserts) if (!accepted.keyed(i)) plain.push(i);
    return plain;
  }
}

function typedKeyed(table: TableSummary, names: readonly KeyedColumnName[]): KeyedColumn[] {
  return names.map((c) => ({ name: c.name, type: table.columns[c.name] ?? 'text', fromKeyMap: c.fromKeyMap }));
}

/**
 * The key map's new keys for the table's new rows, then the rows, reading their keys
 * from it. Like plain inserts, more rows than `layout.stageAbove` go through staging
 * tables filled by COPY: the references, then the rows with a text column per reference,
 * each moved by one set-based statement joined to the key map.
 * A staged group whose rows point at no other new row (the key they own is their only
 * reference: most of a recovery's new rows) makes its keys and writes its rows in one
 * statement per block (insertWithNewKeys), and goes first: the rest may point at them.
 */
export function emitKeyedInserts(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, plan: KeyedPlan, refs: KeyRefNames, layout: PatchLayout): void {
  const owners = plan.owners(table.table);
  const generator = table.keyAtApply?.generator;
  if (owners.length && !generator) throw new Error(`${table.table}: the changeset has rows whose key the target makes, but no generator for it`);
  const groups = keyedGroups(table, accepted, plan, layout);
  const ownKeysOnly = generator ? ownKeyGroups(table, owners, groups) : [];
  const madeWithRows = new OrdinalSet();
  for (const group of ownKeysOnly) for (const i of group.ordinals) madeWithRows.add(i);
  const keysFirst = ownKeysOnly.length ? owners.filter((i) => !madeWithRows.has(i)) : owners;
  if (keysFirst.length && generator) {
    const staged = keysFirst.length > layout.stageAbove;
    for (const chunk of chunksOf(keysFirst, staged ? layout.stageChunk : KEYED_CHUNK)) {
      const rows = staged
        ? { stage: stageRows(out, { ...KEY_MAP, table: KEY_MAP_TABLE }, accepted, chunk, KEY_MAP_STAGE_COLUMNS, (i) => [refs.of(accepted.id(i))]) }
        : chunk.map((i) => ({ ref: refs.of(accepted.id(i)) }));
      out.statement('keys', table.table, assignKeys(generator, rows), chunk.length);
    }
  }
  for (const group of [...ownKeysOnly, ...groups.filter((g) => !ownKeysOnly.includes(g))]) {
    const { columns, staged } = group;
    const cellsOf = (row: PatchRow) => columns.map((c) => (c.fromKeyMap ? refs.of(own(row.keyRefs, c.name) as string) : (own(row.values, c.name) ?? null)));
    for (const ordinals of chunksOf(group.ordinals, staged ? layout.stageChunk : KEYED_CHUNK)) {
      if (staged) {
        const stage = stageRows(out, table, accepted, ordinals, keyedInsertStageColumns(columns), (i) => cellsOf(accepted.get(i)));
        const sql = generator && ownKeysOnly.includes(group) ? insertWithNewKeys(table, generator, columns, stage) : insertWithKeys(table, columns, { stage });
        out.statement('keyed-insert', table.table, sql, ordinals.length);
        continue;
      }
      const rows = [...rowsOf(accepted, ordinals)].map((row) => ({ comment: provenance(row), cells: cellsOf(row) }));
      out.statement('keyed-insert', table.table, insertWithKeys(table, columns, rows), ordinals.length);
    }
  }
}

interface KeyedGroup {
  ordinals: Ordinals;
  columns: KeyedColumn[];
  staged: boolean;
}

/**
 * The staged groups that can make their own keys: every row owns the key the target
 * makes, and that key is the group's only column read from the key map.
 */
function ownKeyGroups(table: TableSummary, owners: Int32Array, groups: KeyedGroup[]): KeyedGroup[] {
  const keyColumn = table.keyAtApply?.column;
  if (keyColumn === undefined || owners.length === 0) return [];
  const isOwner = new OrdinalSet(owners);
  return groups.filter((g) => {
    const fromMap = g.columns.filter((c) => c.fromKeyMap);
    if (!g.staged || fromMap.length !== 1 || fromMap[0]?.name !== keyColumn) return false;
    for (const i of g.ordinals) if (!isOwner.has(i)) return false;
    return true;
  });
}

/**
 * The table's keyed rows in groups of one statement form: the same columns, each a value
 * or a key from the map; a group larger than `layout.stageAbove` is staged.
 */
function keyedGroups(table: TableSummary, accepted: AcceptedChanges, plan: KeyedPlan, layout: PatchLayout | undefined): KeyedGroup[] {
  // One signature array per column set (bySignature joins each array once).
  const signatures = new Map<readonly KeyedColumnName[], string[]>();
  const signature = (i: number) => {
    const columns = accepted.keyedColumnsOf(i, table);
    let named = signatures.get(columns);
    if (!named) signatures.set(columns, (named = columns.map((c) => `${c.fromKeyMap ? 'ref' : 'value'} ${c.name}`)));
    return named;
  };
  return [...bySignature(plan.rows(table.table), signature).values()].map(({ ordinals }) => ({
    ordinals,
    columns: typedKeyed(table, accepted.keyedColumnsOf(ordinals[0] as number, table)),
    staged: layout !== undefined && ordinals.length > layout.stageAbove,
  }));
}

/**
 * Undo of keyed inserts: each row under the key the map recorded, while it holds what the
 * patch wrote. More rows of one shape than `layout.stageAbove` are staged like the inserts
 * were, one DELETE per staging table.
 */
export function emitKeyedRemovals(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, plan: KeyedPlan, refs: KeyRefNames, layout: PatchLayout): void {
  for (const group of keyedGroups(table, accepted, plan, layout)) {
    const ordered = deleteWithKeysOrder(table.primaryKey, group.columns);
    const cellsOf = (row: PatchRow) => ordered.map((c) => (c.fromKeyMap ? refs.of(own(row.keyRefs, c.name) as string) : (own(row.values, c.name) ?? own(row.key, c.name) ?? null)));
    for (const ordinals of chunksOf(group.ordinals, group.staged ? layout.stageChunk : KEYED_CHUNK)) {
      const rows = group.staged
        ? { stage: stageRows(out, table, accepted, ordinals, keyedDeleteStageColumns(table.primaryKey, group.columns), (i) => cellsOf(accepted.get(i))) }
        : [...rowsOf(accepted, ordinals)].map((row) => ({ cells: cellsOf(row) }));
      out.statement('keyed-delete', table.table, deleteWithKeys(table, table.primaryKey, group.columns, rows), ordinals.length);
    }
  }
}

/**
 * Undo's last step: the key map forgets the keys of the rows it removed; more than
 * `layout.stageAbove` of them through staging tables, like the rows.
 */
export function forgetKeys(out: SqlFileBuilder, tables: TableSummary[], accepted: AcceptedChanges, plan: KeyedPlan, refs: KeyRefNames, layout: PatchLayout): void {
  const key = [{ name: 'ref', type: 'text' }];
  const owners = tables.map((t) => plan.owners(t.table));
  const staged = owners.reduce((n, list) => n + list.length, 0) > layout.stageAbove;
  for (const chunk of chunksAcross(owners, staged ? layout.stageChunk : KEYED_CHUNK)) {
    const rows = staged
      ? { stage: stageRows(out, { ...KEY_MAP, table: KEY_MAP_TABLE }, accepted, chunk, keyedStageColumns(key, [], []), (i) => [refs.of(accepted.id(i))]) }
      : chunk.map((i) => ({ key: [refs.of(accepted.id(i))], guards: [] }));
    out.statement('forget-keys', KEY_MAP_TABLE, setDelete(KEY_MAP, key, [], rows), chunk.length);
  }
}
