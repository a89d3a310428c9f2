import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { keyList, type KeyedCandidates } from './candidate-keys.js';
import type { LookupIndex } from './lookup-index.js';
import { rowKeys } from './match-keys.js';
import { foldColumn } from '../runtime/lane-hash.js';
import { scanBackup, stubRow, type BackupScanner, type Row, type ScannedBackup } from './backup-scan.js';
import { SettledGroups } from './settled.js';
import { comparisonKey, isIntegerColumn } from '../values/normalize.js';
import { memoryCheckpoint } from '../runtime/memory.js';
import type { StageProgress } from '../runtime/progress.js';
import { copyLine } from '../sql/staged.js';
import { COMMIT } from '../sql/select.js';
import {
  BEGIN,
  classifyScan,
  closeCursor,
  copyIntoScanTable,
  createScanTables,
  declareCursor,
  dropScanTables,
  fetchFromCursor,
  integerArrayLiteral,
  keptEntries,
  settledGroups,
  type ScanTable,
} from '../sql/work-scan.js';
import type { WorkDatabase } from '../db/work-database.js';

type ScanInput = Parameters<BackupScanner>[0];

/** Lines per COPY: a few megabytes at a time, never a table's worth. */
const COPY_BATCH = 10_000;
const FETCH_BATCH = 5_000;

/**
 * The backup scan done as set operations in the work database: the candidates' keys and
 * digests and the backup rows' keys, per-column hashes and values are staged with COPY;
 * SQL decides which groups are settled as unchanged and which rows the merge needs, and
 * only those rows come back. The result is what the in-process scan (scanBackup) returns
 * for the same input, entry for entry, so everything after it is shared.
 *
 * A table without a primary key is scanned in process: there, two backup rows can have
 * the same key text, which the in-process scan treats as one row (no set rule says so).
 */
export function workDatabaseScanner(work: WorkDatabase): BackupScanner {
  return async (input, columns, keyed, scanning) => {
    if (input.bound.table.primaryKey.length === 0) return scanBackup(input, columns, keyed, scanning);
    await work.exec(dropScanTables(work.schema));
    await work.exec(createScanTables(work.schema));
    try {
      await stageCandidates(work, keyed, input.bound.table);
      await stageBackup(work, input, columns, scanning);
      await work.exec(classifyScan(work.schema));
      return await readScan(work, input.bound.table, keyed);
    } finally {
      await work.exec(dropScanTables(work.schema));
    }
  };
}

/**
 * Buffers COPY lines per staging table; the caller sends them when `due` (an await per
 * line, even of nothing, costs a tenth of a scan).
 */
class Stager {
  private readonly lines = new Map<ScanTable, string[]>();
  private pending = 0;

  constructor(private readonly work: WorkDatabase) {}

  add(table: ScanTable, values: Array<string | number | null>): void {
    let list = this.lines.get(table);
    if (!list) this.lines.set(table, (list = []));
    list.push(copyLine(values));
    this.pending++;
  }

  get due(): boolean {
    return this.pending >= COPY_BATCH;
  }

  async flush(): Promise<void> {
    for (const [name, list] of this.lines) {
      if (list.length) await this.work.copy(copyIntoScanTable(this.work.schema, name, this.work.copyFrom), list);
      list.length = 0;
    }
    this.pending = 0;
  }
}

async function stageCandidates(work: WorkDatabase, keyed: KeyedCandidates, table: CatalogTable): Promise<void> {
  const { keyOwner, byKeys, size, fingerprints, keysOf } = keyed;
  const stager = new Stager(work);
  for (const [k, owner] of keyOwner.entries()) {
    stager.add('cand_key', [k, byKeys.find(owner)]);
    if (stager.due) await stager.flush();
  }
  for (let i = 0; i < keysOf.length; i++) {
    if (byKeys.find(i) !== i || size[i] !== 1) continue;
    const digest = fingerprints.digestOf(i);
    if (digest) stager.add('cand_one', [i, digest.a, digest.b, digest.set]);
    if (stager.due) await stager.flush();
  }
  const position = new Map(table.columns.map((c, p) => [c.name, p + 1]));
  const sets = fingerprints.internedSets();
  for (let set = 0; set < sets.length; set++) {
    stager.add('digest_set', [set, integerArrayLiteral((sets[set] as CatalogColumn[]).map((c) => position.get(c.name) as number))]);
  }
  await stager.flush();
}

/** Streams the backup into the work database, filling children's lookup indexes on the way (as the in-process scan does). */
async function stageBackup(work: WorkDatabase, input: ScanInput, columns: Map<string, CatalogColumn>, scanning: StageProgress): Promise<void> {
  const table = input.bound.table;
  const stager = new Stager(work);
  const pk = table.primaryKey;
  const only = pk.length === 1 ? (pk[0] as string) : undefined;
  const keyText = only !== undefined ? (row: Row) => row[only] ?? '' : (row: Row) => pk.map((c) => row[c] ?? '').join('\u0001');
  const lanes = { a: 0, b: 0 };
  const ha: number[] = [];
  const hb: number[] = [];
  let j = 0;
  for await (const batch of input.backupRows()) {
    for (const row of batch) {
      memoryCheckpoint();
      scanning.add();
      noteForChildren(input.ownIndexes, row, columns);
      ha.length = 0;
      hb.length = 0;
      for (const column of table.columns) {
        lanes.a = 0;
        lanes.b = 0;
        foldColumn(lanes, column.name, comparisonKey(column, row[column.name] ?? null));
        ha.push(lanes.a);
        hb.push(lanes.b);
      }
      const values = JSON.stringify(table.columns.map((c) => row[c.name] ?? null));
      stager.add('backup_row', [j, keyText(row), integerArrayLiteral(ha), integerArrayLiteral(hb), values]);
      for (const k of rowKeys(row, input.bound.matchKeys, columns)) stager.add('row_key', [j, Number(k.slice(0, k.indexOf('\u0001'))), k]);
      j++;
    }
    if (stager.due) await stager.flush();
  }
  await stager.flush();
  scanning.end();
}

function noteForChildren(indexes: LookupIndex[], row: Row, columns: Map<string, CatalogColumn>): void {
  for (const index of indexes) {
    const nk = index.naturalKeyOf((c) => row[c], (c) => columns.get(c));
    const ref = row[index.refColumn];
    if (nk !== undefined && ref != null && index.wants(nk)) index.set(nk, { value: ref });
  }
}

async function readScan(work: WorkDatabase, table: CatalogTable, keyed: KeyedCandidates): Promise<ScannedBackup> {
  const { keyOwner, keysOf } = keyed;
  const names = table.columns.map((c) => c.name);
  const pk = table.primaryKey;
  const integerKey = pk.length === 1 && isIntegerColumn(table.columns.find((c) => c.name === pk[0]));
  const rows: Row[] = [];
  const rowForKey = new Map<string, number>();
  const settled = new SettledGroups(keysOf.length, integerKey);
  const keep = (row: Row, keys: string[]) => {
    const at = rows.push(row) - 1;
    for (const k of keys) if (keyOwner.has(k)) rowForKey.set(k, at);
  };
  await eachRow(work, keptEntries(work.schema), (entry) => {
    if (entry.stub_of !== null) {
      keep(stubRow(table, entry.pk as string), keyList(keysOf.of(Number(entry.stub_of))));
      return;
    }
    const values = JSON.parse(entry.vals as string) as Array<string | null>;
    const row: Row = {};
    names.forEach((c, i) => (row[c] = values[i] ?? null));
    keep(row, entry.keys == null ? [] : (JSON.parse(entry.keys) as string[]));
  });
  await eachRow(work, settledGroups(work.schema), (entry) => settled.set(Number(entry.c), entry.pk as string));
  return { rows, rowForKey, settled };
}

/** Reads a query's rows through a cursor, a batch at a time. */
async function eachRow(work: WorkDatabase, query: string, fn: (row: Record<string, string | null>) => void): Promise<void> {
  const cursor = 'salvage_scan';
  await work.exec(BEGIN);
  try {
    await work.exec(declareCursor(cursor, query));
    for (;;) {
      const batch = await work.rows(fetchFromCursor(cursor, FETCH_BATCH));
      for (const row of batch) fn(row);
      if (batch.length < FETCH_BATCH) break;
    }
    await work.exec(closeCursor(cursor));
  } finally {
    await work.exec(COMMIT);
  }
}
