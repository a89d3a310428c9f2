import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { tableKey } from '../db/catalog.js';
import type { Change } from '../changeset/changeset.js';
import type { ChangeSpill } from '../changeset/change-spill.js';
import type { LookupIndex } from './lookup-index.js';
import { columnRecord } from '../values/own.js';
import { flatString } from '../runtime/flat-string.js';
import { SortedByText } from '../runtime/sorted-by-text.js';
import { keyRefValue } from '../changeset/key-refs.js';
import type { ParentDecisions } from '../decide/for-children.js';

/**
 * The changes of one table, as reconcile classifies them. Each goes to the run's spill
 * file at once; what stays in memory is what the end of the table needs: each change's
 * id (for the changeset's order) and the few columns children look rows up by, so a
 * table of a million new rows does not hold a million changes.
 */
export class TableChanges {
  /** Per change: where its text is in the spill, to be read back in the order of ids. */
  private readonly byId: SortedByText;
  private count = 0;
  /** What children's lookups need of each change (only when some child looks this table up). */
  private readonly forChildren: Change[] = [];
  /** Live rows lost rows turned out to be, for children too (see noteForChildren). */
  private readonly liveRows: Change[] = [];
  private readonly childColumns: string[];

  constructor(
    private readonly table: CatalogTable,
    private readonly spill: ChangeSpill,
    private readonly ownIndexes: LookupIndex[],
    private readonly columns: Map<string, CatalogColumn>,
    /** decisions.yaml, for what children find of a decided or rejected row. */
    private readonly decisions?: ParentDecisions,
  ) {
    this.byId = new SortedByText(() => spill.fileBeside('ids'));
    const pk = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
    this.childColumns = [...new Set([...(pk ? [pk] : []), ...ownIndexes.flatMap((i) => [...i.columns, i.refColumn])])];
  }

  get size(): number {
    return this.count;
  }

  /** One classified change. */
  add(change: Change): void {
    if (this.ownIndexes.length) this.forChildren.push({ ...projection(change, this.childColumns), ...this.decisions?.keep(change) });
    this.byId.add(flatString(change.id), this.spill.add(JSON.stringify(change)));
    this.count++;
  }

  /** A row children must find that is no change of its own (a live row a lost row turned out to be). */
  noteForChildren(change: Change): void {
    // No decision is about it: a decision about the change made of the same row is about that change.
    if (this.ownIndexes.length) this.liveRows.push(projection(change, this.childColumns));
  }

  /** Once every change is in: children learn where each rebuilt or matched row is (or why it is not). */
  finish(): void {
    registerForChildren(this.ownIndexes, this.forChildren, this.columns, this.table, this.decisions);
    registerForChildren(this.ownIndexes, this.liveRows, this.columns, this.table);
    this.liveRows.length = 0;
    this.forChildren.length = 0;
  }

  /**
   * Each change's JSON text in the changeset's order (by id), as UTF-8 bytes: the
   * changeset is written without decoding a gigabyte of text. Each is a view valid only
   * until the next is read (TextSpill.bytes). Read once: the order is used up.
   */
  *jsonBytes(): Generator<Uint8Array> {
    for (const ordinal of this.byId.ordered()) yield this.spill.bytes(ordinal);
  }
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
    ...(change.keyRefs ? { keyRefs: change.keyRefs } : {}),
    values: pick(change.values) ?? columnRecord<string | null>(),
    ...(change.old ? { old: pick(change.old) } : {}),
    evidence: {},
    ...(change.detail !== undefined ? { detail: change.detail } : {}),
  };
}

/**
 * Tells children's lookups where each rebuilt or matched row is (or why it is not). A
 * conflict decided in decisions.yaml is the insert or update it becomes; a rejected new
 * row is not there (a rejected change of a backup row leaves that row as it is, found
 * through the backup scan).
 */
function registerForChildren(indexes: LookupIndex[], changes: Change[], columns: Map<string, CatalogColumn>, table: CatalogTable, decisions?: ParentDecisions): void {
  const name = tableKey(table);
  const meta = (c: string) => columns.get(c);
  // A column pointing at a row whose key the target makes at apply time reads as that row's reference.
  const refOf = (change: Change, c: string) => (change.keyRefs?.[c] === undefined ? undefined : keyRefValue(change.keyRefs[c]));
  const proposed = (change: Change) => (c: string) => change.values[c] ?? refOf(change, c);
  const current = (change: Change) => (c: string) => change.values[c] ?? change.old?.[c] ?? refOf(change, c);
  for (const index of indexes) {
    // Each change is a row of its own (a second row with the same natural key makes it
    // ambiguous), except an update: that is the backup row it updates, and replaces it.
    const note = (read: (c: string) => string | null | undefined, entry: { value: string } | { reason: string }, change: Change, replaces?: string) => {
      const nk = index.naturalKeyOf(read, meta);
      if (nk !== undefined && index.wants(nk)) index.set(nk, entry, { row: change.id, ...(replaces != null ? { replaces } : {}) });
    };
    const asWritten = (change: Change) => {
      // A row whose key the target makes at apply time is pointed at by its change id.
      const ref = change.values[index.refColumn] ?? change.key[index.refColumn] ?? refOf(change, index.refColumn);
      if (ref == null) return;
      if (change.kind === 'insert') note(current(change), { value: ref }, change);
      // An update keeps its backup row; the backup scan already indexed its old natural key.
      else note(current(change), { value: ref }, change, change.old?.[index.refColumn] ?? change.key[index.refColumn] ?? ref);
    };
    for (const change of changes) {
      const verdict = decisions && change.kind !== 'unrecoverable' ? decisions.verdict(change) : undefined;
      if (verdict?.kind === 'rejected') {
        if (change.old === undefined) note(proposed(change), { reason: `the parent row ${change.id} was rejected in decisions.yaml` }, change);
      } else if (change.kind === 'insert' || change.kind === 'update') {
        asWritten(change);
      } else if (change.kind === 'conflict') {
        if (verdict?.kind === 'write') asWritten(verdict.change);
        // A disputed row the backup has stays findable through the backup scan; a new one is not there yet.
        else if (change.old === undefined) note(proposed(change), { reason: `the ${name} row ${change.id} is a conflict awaiting review` }, change);
      } else {
        note(current(change), { reason: `the ${name} row ${change.id} is unrecoverable: ${change.detail}` }, change);
      }
    }
  }
}
