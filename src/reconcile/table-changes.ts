import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { tableKey } from '../db/catalog.js';
import type { Change } from './changeset.js';
import type { ChangeSpill } from './change-spill.js';
import type { LookupIndex } from './lookup-index.js';
import { comparisonKey } from './normalize.js';
import { columnRecord } from './own.js';

/**
 * The changes of one table, as reconcile classifies them. Each goes to the run's spill
 * file at once; what stays in memory is what the end of the table needs: each change's
 * id (for the changeset's order), the creation order of new rows that take a key from
 * the sequence, and the few columns children look rows up by. A table of a million new
 * rows no longer holds a million changes (issue 7).
 */
export class TableChanges {
  /** Per change, in the order they were classified: where its text is in the spill. */
  private readonly ordinals: number[] = [];
  /** Per change: its id; for a row that takes a key from the sequence, set once the key is known. */
  private readonly ids: string[] = [];
  private readonly needKeys: Array<{ at: number; order: string }> = [];
  private readonly assigned = new Map<number, string>();
  /** What children's lookups need of each change (only when some child looks this table up). */
  private readonly forChildren: Change[] = [];
  private readonly childColumns: string[];
  private readonly pk: string | undefined;
  private highestKey = 0n;
  private unreadableKey: string | undefined;

  constructor(
    private readonly table: CatalogTable,
    private readonly spill: ChangeSpill,
    private readonly ownIndexes: LookupIndex[],
    private readonly columns: Map<string, CatalogColumn>,
  ) {
    this.pk = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
    this.childColumns = [...new Set([...(this.pk ? [this.pk] : []), ...ownIndexes.flatMap((i) => [i.by, i.refColumn])])];
  }

  get size(): number {
    return this.ordinals.length;
  }

  /** One classified change; `order` when its key is to come from the sequence. */
  add(change: Change, order?: string): void {
    const at = this.ordinals.length;
    const key = this.pk === undefined ? undefined : change.key[this.pk];
    if (change.kind !== 'unrecoverable' && key !== undefined) this.noteKey(key);
    if (this.ownIndexes.length) this.forChildren.push(projection(change, this.childColumns));
    this.ids.push(change.id);
    if (order === undefined || this.pk === undefined) {
      this.ordinals.push(this.spill.add(JSON.stringify(change)));
      return;
    }
    // Written as it will be, with a stand-in for the key that the text swaps for the real one later.
    this.needKeys.push({ at, order });
    this.ordinals.push(this.spill.add(JSON.stringify(withAssignedKey(change, this.pk, this.spill.keyStandIn))));
  }

  /**
   * Once every change is in: new rows get keys above everything the backup's sequence
   * and the sources have used, in creation order; then children learn where each
   * rebuilt or matched row is (or why it is not).
   */
  finish(backupMax: bigint | undefined, sequenceFloor: bigint | undefined): void {
    this.assignKeys(backupMax, sequenceFloor);
    registerForChildren(this.ownIndexes, this.forChildren, this.columns, this.table);
    this.forChildren.length = 0;
  }

  /** Each change's JSON text in the changeset's order (by id). */
  *jsonTexts(): Generator<string> {
    const ids = this.ids;
    const ordered = this.ordinals.map((_, i) => i).sort((a, b) => {
      const x = ids[a] as string;
      const y = ids[b] as string;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const at of ordered) {
      const text = this.spill.text(this.ordinals[at] as number);
      const key = this.assigned.get(at);
      yield key === undefined ? text : text.split(this.spill.keyStandIn).join(key);
    }
  }

  private noteKey(key: string): void {
    try {
      const value = BigInt(key);
      if (value > this.highestKey) this.highestKey = value;
    } catch {
      // Only keys to assign need this maximum; the error is raised then, as before.
      this.unreadableKey ??= key;
    }
  }

  private assignKeys(backupMax: bigint | undefined, sequenceFloor: bigint | undefined): void {
    const pk = this.pk;
    if (!pk || this.needKeys.length === 0) return;
    if (this.unreadableKey !== undefined) BigInt(this.unreadableKey); // throws the SyntaxError that names it
    let next = [backupMax ?? 0n, sequenceFloor ?? 0n, this.highestKey].reduce((a, b) => (b > a ? b : a), 0n);
    this.needKeys.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    const name = tableKey(this.table);
    for (const { at } of this.needKeys) {
      next += 1n;
      const value = next.toString();
      this.assigned.set(at, value);
      this.ids[at] = `${name}#${value}`;
      const child = this.forChildren[at];
      if (child) this.forChildren[at] = withAssignedKey(child, pk, value);
    }
    this.needKeys.length = 0;
  }
}

/** The change with the key the sequence will give it: first among its values, as a reader expects it, and in its id. */
function withAssignedKey(change: Change, pk: string, value: string): Change {
  // A copy by hand: Object.assign into a prototype-less record took 6 µs a row.
  const values = columnRecord<string | null>();
  values[pk] = value;
  for (const column in change.values) values[column] = change.values[column] as string | null;
  return { ...change, key: { [pk]: value }, keyAssigned: true, values, id: `${change.table}#${value}` };
}

/** What registerForChildren reads of a change: its kind, id, key, detail, and the looked-up columns. */
function projection(change: Change, columns: string[]): Change {
  const pick = (record: Record<string, string | null> | undefined) => {
    if (!record) return undefined;
    const out = columnRecord<string | null>();
    for (const c of columns) if (Object.prototype.hasOwnProperty.call(record, c)) out[c] = record[c] as string | null;
    return out;
  };
  return {
    id: change.id,
    table: change.table,
    kind: change.kind,
    key: change.key,
    values: pick(change.values) ?? columnRecord<string | null>(),
    ...(change.old ? { old: pick(change.old) } : {}),
    evidence: {},
    ...(change.detail !== undefined ? { detail: change.detail } : {}),
  };
}

/** Tells children's lookups where each rebuilt or matched row is (or why it is not). */
function registerForChildren(indexes: LookupIndex[], changes: Change[], columns: Map<string, CatalogColumn>, table: CatalogTable): void {
  for (const index of indexes) {
    const byMeta = columns.get(index.by) as CatalogColumn;
    const note = (by: string | null | undefined, entry: { value: string } | { reason: string }) => {
      if (by == null) return;
      const nk = comparisonKey(byMeta, by);
      if (index.requested.has(nk)) index.set(nk, entry);
    };
    for (const change of changes) {
      const by = change.values[index.by] ?? change.old?.[index.by] ?? undefined;
      const ref = change.values[index.refColumn] ?? change.key[index.refColumn];
      if (change.kind === 'insert' || change.kind === 'update') {
        // An update keeps its backup row; the backup scan already indexed its old natural key.
        if (ref != null) note(by, { value: ref });
      } else if (change.kind === 'conflict') {
        // A disputed row the backup has stays findable through the backup scan; a new one is not there yet.
        if (change.old === undefined) note(by, { reason: `the ${tableKey(table)} row ${change.id} is a conflict awaiting review` });
      } else {
        note(by, { reason: `the ${tableKey(table)} row ${change.id} is unrecoverable: ${change.detail}` });
      }
    }
  }
}
