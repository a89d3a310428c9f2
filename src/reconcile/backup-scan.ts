import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import type { BoundMapping } from '../mapping/check-catalog.js';
import { keyList, type KeyedCandidates } from './candidate-keys.js';
import type { LookupIndex } from './lookup-index.js';
import { rowKeys } from './match-keys.js';
import { isIntegerColumn } from '../values/normalize.js';
import { memoryCheckpoint } from '../runtime/memory.js';
import type { StageProgress } from '../runtime/progress.js';
import { SettledGroups } from './settled.js';

export type Row = Record<string, string | null>;

/** What the scan keeps of the backup: only rows that may change something. */
export interface ScannedBackup {
  rows: Row[];
  /** Match key -> index in rows. */
  rowForKey: Map<string, number>;
  /** Groups settled as unchanged: one record, one backup row, every value equal. */
  settled: SettledGroups;
}

/**
 * One pass over a table's backup rows. Most records describe a row exactly as the
 * backup has it: such a group is settled as unchanged on the spot and neither the row
 * nor the candidate is kept. Only rows that may change something are kept for the full
 * merge. On the way, every row is indexed for the children that look it up.
 */
export async function scanBackup(
  input: { bound: BoundMapping; ownIndexes: LookupIndex[]; backupRows: () => AsyncIterable<Row[]> },
  columns: Map<string, CatalogColumn>,
  keyed: KeyedCandidates,
  scanning: StageProgress,
): Promise<ScannedBackup> {
  const { bound } = input;
  const table = bound.table;
  const { keyOwner, byKeys, keysOf, fingerprints, size } = keyed;
  const rows: Row[] = [];
  const rowForKey = new Map<string, number>();
  const pkColumn = table.primaryKey.length === 1 ? (table.primaryKey[0] as string) : undefined;
  const keyText = pkColumn !== undefined ? (row: Row) => row[pkColumn] ?? '' : (row: Row) => table.primaryKey.map((c) => row[c] ?? '').join('\u0001');
  const integerKey = pkColumn !== undefined && isIntegerColumn(columns.get(pkColumn));
  const settled = new SettledGroups(keysOf.length, integerKey); // candidate group root -> key of the row it matched
  const keep = (row: Row, keys: string[]) => {
    const at = rows.length;
    rows.push(row);
    for (const k of keys) if (keyOwner.has(k)) rowForKey.set(k, at);
  };
  /** A group settled as unchanged that meets another backup row needs the full merge after all. */
  const unsettle = (root: number, row: Row, alone: boolean) => {
    const first = settled.get(root);
    if (first === undefined || (alone && first === keyText(row))) return;
    settled.delete(root);
    keep(stubRow(table, first), keyList(keysOf.of(root)));
  };
  // Batches, not rows, through the async iterator: an await per row cost a tenth of the scan.
  for await (const batch of input.backupRows()) {
    for (const row of batch) {
      memoryCheckpoint();
      scanning.add();
      for (const index of input.ownIndexes) {
        const nk = index.naturalKeyOf((c) => row[c], (c) => columns.get(c));
        const ref = row[index.refColumn];
        if (nk !== undefined && ref != null && index.wants(nk)) index.set(nk, { value: ref });
      }
      const keys = rowKeys(row, bound.matchKeys, columns);
      // The candidate groups the row's keys lead to: usually one, and then no Set is made.
      let root = -1;
      let roots: Set<number> | undefined;
      for (const k of keys) {
        const owner = keyOwner.get(k);
        if (owner === undefined) continue;
        const r = byKeys.find(owner);
        if (root < 0) root = r;
        else if (r !== root) (roots ??= new Set([root])).add(r);
      }
      if (root < 0) continue;
      // A row that matches several groups links them (or is ambiguous): they all get the full merge.
      if (roots) for (const r of roots) unsettle(r, row, false);
      else unsettle(root, row, true);
      // One record, one backup row, every value equal: unchanged (a group of one is its own root).
      if (!roots && size[root] === 1 && !rowForKeyHitsGroup(root) && fingerprints.matches(root, row)) {
        settled.set(root, keyText(row));
        continue;
      }
      keep(row, keys);
    }
  }
  scanning.end();

  function rowForKeyHitsGroup(root: number): boolean {
    const keys = keysOf.of(root) as string | string[];
    return typeof keys === 'string' ? rowForKey.has(keys) : keys.some((k) => rowForKey.has(k));
  }
  return { rows, rowForKey, settled };
}

/** How a table's backup is scanned: in process (scanBackup), or in the work database (backup-scan-sql.ts). */
export type BackupScanner = typeof scanBackup;

/** A row known only by its key (all an ambiguity report needs). */
export function stubRow(table: CatalogTable, keyText: string): Row {
  const values = keyText.split('\u0001');
  return Object.fromEntries(table.primaryKey.map((c, i) => [c, values[i] ?? null]));
}
