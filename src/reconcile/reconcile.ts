import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import Cursor from 'pg-cursor';
import { requireEnv, type SalvageConfig } from '../config/load.js';
import { readCatalog, tableKey } from '../db/catalog.js';
import type { CatalogTable } from '../db/catalog-types.js';
import { connectDatabase, type DbHandle } from '../db/connect.js';
import { bindMappings, type BoundMapping } from '../mapping/check-catalog.js';
import { RuleEvaluator } from '../mapping/evaluate.js';
import { loadMappingsCollecting } from '../mapping/load.js';
import { readRecordsFile } from '../records/ndjson.js';
import { BEGIN_READ_ONLY_SNAPSHOT, ROLLBACK, selectAllRows } from '../sql/select.js';
import { formatProblem, InvalidInputError, UsageError, type Problem } from '../errors.js';
import { CHANGESET_FORMAT, type Changeset, type RuleFailureEntry, type TableSummary, type UnmappedRecords } from '../changeset/changeset.js';
import { LookupIndex } from './lookup-index.js';
import { nowDefaultWarnings } from '../mapping/now-defaults.js';
import { allLookupIndexes } from '../mapping/check-catalog.js';
import { collectGarbage, memoryCheckpoint } from '../runtime/memory.js';
import { StageTimer, type StageTiming } from '../runtime/stage-timer.js';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';
import { orderMappings } from './table-order.js';
import { CandidateStore, ColumnLayout } from './prepared.js';
import type { MapWorkerData } from './map-protocol.js';
import { mapFileInWorkers, mapParallelismFor, mapWorkerScript, type MapParallelism } from './parallel-map.js';
import { MapTally, RecordMapper, tableShapes, type MappedTableShape } from './record-mapper.js';
import { registeredSecrets } from '../runtime/secrets.js';
import { reconcileTable, type Row } from './table.js';
import { ChangeSpill } from '../changeset/change-spill.js';
import { writeChangesetTexts } from '../changeset/write-changeset.js';
import { keyGeneratorOf } from '../changeset/key-refs.js';
import { openLiveTarget, type LiveSession } from './live-session.js';
import { HeldParents } from './held-parents.js';
import { loadDecisions } from '../decide/load.js';
import { ParentDecisions } from '../decide/for-children.js';
import type { TableChanges } from './table-changes.js';
import { withUnreadable } from './unreadable-ledger.js';
import { tallyRejections } from '../records/rejections-file.js';
import { formatCount } from '../runtime/format-count.js';
import { readDatabaseIdentity } from '../db/identity.js';
import { openWorkDatabase, type WorkDatabase } from '../db/work-database.js';
import { workDatabaseScanner } from './backup-scan-sql.js';
import { rejectionsPath, recordsDir, recordsPath, embeddedDir, changesetPath } from '../runtime/job-paths.js';

export interface ReconcileOptions {
  config: SalvageConfig;
  log?: (line: string) => void;
  /** Worker threads for mapping; by default, one per core for large records files. */
  mapParallelism?: Partial<MapParallelism>;
  /** Progress of the long stages (the CLI draws it on a terminal). */
  progress?: Progress;
}

export type { StageTiming };

export interface ReconcileResult {
  /**
   * What reconcile concluded, without the changes themselves: they are in `file` (read
   * them with readChangeset, or a report's view), since a recovery can have millions.
   */
  changeset: Omit<Changeset, 'changes'>;
  file: string;
  /** Wall time and rows of each stage, for --timings and the benchmark. */
  timings: StageTiming[];
}



/** Maps the pulled records, compares them with the backup (read only) and writes changeset.json. */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const { config } = options;
  const log = options.log ?? (() => undefined);
  requireEnv(config, ['backup']);
  const loaded = await loadMappingsCollecting(config.mappingsDir);
  const mappings = loaded.set;
  // Decisions made so far: the rows that depend on a decided conflict come back with it.
  const decided = (await loadDecisions(config.jobDir)).decisions;
  const decisions = new ParentDecisions(decided);
  const backup = await connectDatabase({
    url: config.backup.url,
    embeddedDir: embeddedDir(config.jobDir, 'backup'),
    readOnly: true,
    applicationName: 'salvage reconcile',
  }).catch((error: unknown) => {
    // Mistakes in the mappings are worth more than a connection error: say them first.
    if (loaded.problems.length) throw new InvalidInputError('invalid mappings', loaded.problems);
    throw error;
  });
  let spill: ChangeSpill | undefined;
  let stores: Map<string, CandidateStore> | undefined;
  let live: LiveSession | undefined;
  let work: WorkDatabase | undefined;
  try {
    const timer = new StageTimer();
    const { timings } = timer;
    const lap = (stage: string, rows: number) => timer.lap(stage, rows);
    const catalog = await readCatalog(backup.client);
    const bound = orderMappings(bindAll(mappings, catalog, Object.keys(config.sources), loaded.problems));
    // Said at once and kept in the changeset, so that `diff` shows them beside the rows they concern.
    const warnings = nowDefaultWarnings(mappings, catalog).map((w) => formatProblem({ ...w, file: path.relative(config.baseDir, w.file) }));
    for (const warning of warnings) log(`warning: ${warning}`);
    const file = changesetPath(config.jobDir);
    await mkdir(path.dirname(file), { recursive: true });
    // Candidates wait in files beside the changeset, one per table, removed however reconcile ends.
    stores = new Map(bound.map((b, i) => [b.mapping.table, new CandidateStore(new ColumnLayout(b.table), `${file}.candidates-${i}.partial`)]));
    // The lookups children ask for are noted as their candidates are made, so no later pass reads them all again.
    const indexes = createLookupIndexes(bound);
    const progress = options.progress ?? NO_PROGRESS;
    const setup = { evaluator: new RuleEvaluator(mappings), mappingFiles: loaded.files, shapes: tableShapes(bound), parallelism: options.mapParallelism, progress };
    const evaluation = await evaluateRecords(config, setup, stores, indexes, log);
    collectGarbage();
    lap('map records', evaluation.sources.reduce((n, s) => n + s.records, 0));

    live = await openLiveTarget(config, log, new Set(decided.rekey));
    const parents = new HeldParents();
    await backup.client.query(BEGIN_READ_ONLY_SNAPSHOT);
    // Parents that no mapping rebuilds are still looked up into: their keys come from the backup alone.
    const mapped = new Set(bound.map((b) => tableKey(b.table)));
    for (const index of indexes.values()) {
      if (mapped.has(index.parentTable)) continue;
      const parent = bound.flatMap((b) => allLookupIndexes(b.lookups)).find((l) => tableKey(l.parent) === index.parentTable)?.parent;
      if (parent) await fillFromBackup(index, parent, () => streamRows(backup, parent));
    }
    if (indexes.size) lap('index lookups', [...indexes.values()].reduce((n, i) => n + i.requested.size, 0));
    for (const index of indexes.values()) if (!mapped.has(index.parentTable)) index.filled();
    const tables: TableSummary[] = [];
    const tableChanges: TableChanges[] = [];
    spill = new ChangeSpill(`${file}.changes.partial`);
    const backupRowCounts: Record<string, number> = {};
    if (config.work.engine === 'work-database') {
      work = await openWorkDatabase({ url: config.work.url, embeddedDir: embeddedDir(config.jobDir, 'work') });
      log(`comparing with the backup in the work database: ${work.describe}`);
    }
    const scan = work ? workDatabaseScanner(work) : undefined;
    for (const b of bound) {
      const name = tableKey(b.table);
      const result = await reconcileTable({
        bound: b,
        candidates: stores.get(b.mapping.table) as CandidateStore,
        parentIndexes: indexes,
        ownIndexes: [...indexes.values()].filter((i) => i.parentTable === name),
        backupRows: () => countedRows(streamRows(backup, b.table), (n) => (backupRowCounts[name] = n)),
        spill,
        progress,
        live: await live?.table(b.table),
        parents,
        decisions,
        ...(scan ? { scan } : {}),
      });
      tableChanges.push(result.changes);
      // Its rows, backup and rebuilt, are all in the indexes its children look up in.
      for (const index of indexes.values()) if (index.parentTable === name) index.filled();
      tables.push(summarize(b, result.counts));
      collectGarbage();
      lap(`reconcile ${name}`, Object.values(result.counts).reduce((n, c) => n + c, 0));
    }
    await backup.client.query(ROLLBACK);
    await live?.end();

    const changeset: Omit<Changeset, 'changes'> = {
      format: CHANGESET_FORMAT,
      createdAt: new Date().toISOString(),
      window: { from: config.window.from.toISOString(), to: config.window.to.toISOString(), since: config.window.since.toISOString() },
      backup: {
        database: backup.database,
        describe: backup.describe,
        identity: await readDatabaseIdentity(backup.client, config.backup.url === undefined ? embeddedDir(config.jobDir, 'backup') : undefined),
        rows: backupRowCounts,
      },
      ...(live ? { target: { database: live.db.database, describe: live.db.describe, identity: live.identity } } : {}),
      tables,
      sources: evaluation.sources,
      unmapped: evaluation.unmapped,
      failures: evaluation.failures,
      ...(warnings.length ? { warnings } : {}),
    };
    const count = tableChanges.reduce((n, t) => n + t.size, 0);
    await writeChangesetTexts(file, changeset, (function* () {
      for (const t of tableChanges) yield* t.jsonBytes();
    })(), count, progress);
    lap('write changeset', count);
    return { changeset, file, timings };
  } finally {
    for (const store of stores?.values() ?? []) store.clear();
    spill?.remove();
    await work?.close();
    await live?.db.close();
    await backup.close();
  }
}

export function formatCounts(c: TableSummary['counts']): string {
  const n = formatCount;
  return `${n(c.insert)} to insert, ${n(c.update)} to update, ${n(c.unchanged)} unchanged, ${n(c.conflict)} conflicts, ${n(c.unrecoverable)} unrecoverable`;
}

interface Evaluation {
  sources: Changeset['sources'];
  unmapped: UnmappedRecords[];
  failures: { count: number; samples: RuleFailureEntry[] };
}

interface MapSetup {
  evaluator: RuleEvaluator;
  mappingFiles: Array<{ file: string; text: string }>;
  shapes: MappedTableShape[];
  parallelism?: Partial<MapParallelism>;
  progress: Progress;
}

/**
 * Streams every pulled record through the rules; nothing is dropped without being
 * counted. A large records file is mapped in worker threads, in chunks taken back in
 * file order, so the result is the same as inline.
 */
async function evaluateRecords(
  config: SalvageConfig,
  setup: MapSetup,
  stores: Map<string, CandidateStore>,
  indexes: Map<string, LookupIndex>,
  log: (line: string) => void,
): Promise<Evaluation> {
  const recordsFolder = recordsDir(config.jobDir);
  const present = new Set(await readdir(recordsFolder).catch(() => [] as string[]));
  const sources: Evaluation['sources'] = [];
  const overall = new MapTally();
  const names = Object.keys(config.sources).filter((name) => {
    if (present.has(`${name}.ndjson`)) return true;
    log(`warning: source "${name}" has not been pulled yet (no records/${name}.ndjson): run "salvage pull --source ${name}"`);
    return false;
  });
  if (names.length === 0) throw new UsageError(`no records in ${recordsFolder}: run "salvage pull" first`);
  const mapper = new RecordMapper(setup.evaluator, setup.shapes);
  const storeOf = setup.shapes.map((shape) => stores.get(shape.name));
  const requested = (index: string, key: string) => indexes.get(index)?.requested.add(key);
  for (const name of names) {
    const file = recordsPath(config.jobDir, name);
    const tally = new MapTally();
    const bytes = (await stat(file)).size;
    const parallelism = mapParallelismFor(bytes, setup.parallelism);
    const script = parallelism.workers > 0 ? mapWorkerScript() : undefined;
    // Workers report chunks, in bytes of the file; inline mapping counts records.
    const mapping = script ? setup.progress.stage(`map ${name}`, bytes, 'bytes') : setup.progress.stage(`map ${name}`);
    if (script) {
      const data: MapWorkerData = { file, mappingFiles: setup.mappingFiles, shapes: setup.shapes, secrets: registeredSecrets() };
      await mapFileInWorkers(data, parallelism, script, {
        candidate: (table, line, prep) => {
          memoryCheckpoint();
          storeOf[table]?.addEncoded(line, prep);
        },
        requested: (index, keys) => {
          for (const key of keys) requested(index, key);
        },
        chunkDone: (chunkBytes) => mapping.add(chunkBytes),
      }, tally);
    } else {
      for await (const { record } of readRecordsFile(file)) {
        memoryCheckpoint();
        mapping.add();
        mapper.map(record, tally, (c) => {
          stores.get(c.table)?.addEncoded(c.line, c.prep);
          for (const [index, key] of c.lookups) requested(index, key);
        });
      }
    }
    mapping.end();
    // Unmapped records and rule failures are reported for all sources together.
    overall.add(tally.data());
    sources.push(withUnreadable({
      name,
      records: tally.records,
      mapped: tally.mapped,
      unmapped: tally.unmappedCount,
      rejected: tally.rejected,
      ...(tally.rejectedBy.size ? { rejectedBy: [...tally.rejectedBy.values()] } : {}),
    }, await tallyRejections(rejectionsPath(config.jobDir, name))));
  }
  return { sources, unmapped: [...overall.unmapped.values()], failures: { count: overall.failureCount, samples: overall.failureSamples } };
}

/** One index per (parent, by, referenced column) that some child looks up. */
function createLookupIndexes(bound: BoundMapping[]): Map<string, LookupIndex> {
  const indexes = new Map<string, LookupIndex>();
  for (const link of bound.flatMap((b) => allLookupIndexes(b.lookups))) {
    const key = LookupIndex.keyOf(tableKey(link.parent), link.by, link.refColumn);
    if (!indexes.has(key)) indexes.set(key, new LookupIndex(tableKey(link.parent), link.by, link.refColumn, link.columns, link.keepsAll));
  }
  return indexes;
}

/** Reads a parent table's natural key -> key pairs that children asked for. */
async function fillFromBackup(index: LookupIndex, parent: CatalogTable, rows: () => AsyncIterable<Row[]>): Promise<void> {
  const columns = new Map(parent.columns.map((c) => [c.name, c]));
  for await (const batch of rows()) {
    for (const row of batch) {
      const key = index.naturalKeyOf((c) => row[c], (c) => columns.get(c));
      const ref = row[index.refColumn];
      if (key !== undefined && ref != null && index.wants(key)) index.set(key, { value: ref });
    }
  }
}

const BATCH = 5000;

/** Streams a backup table in batches through a cursor: never the whole table in one result. */
/** The rows of `rows` as they pass, counted: `seen` is told the total so far after each batch. */
async function* countedRows(rows: AsyncIterable<Row[]>, seen: (total: number) => void): AsyncGenerator<Row[]> {
  let total = 0;
  seen(total);
  for await (const batch of rows) {
    total += batch.length;
    seen(total);
    yield batch;
  }
}

async function* streamRows(db: DbHandle, table: CatalogTable): AsyncGenerator<Row[]> {
  const columns = table.columns.map((c) => c.name);
  const cursor = db.client.query(new Cursor(selectAllRows(table, columns), [], { rowMode: 'array' }));
  const read = () => cursor.read(BATCH) as Promise<Array<Array<string | null>>>;
  let next: Promise<Array<Array<string | null>>> | undefined = read();
  try {
    for (;;) {
      const rows = await next;
      next = undefined;
      if (rows.length === 0) return;
      // The server reads the next batch while this one is compared (it would wait otherwise).
      next = read();
      yield rows.map((values) => {
        const row: Row = {};
        columns.forEach((c, i) => (row[c] = values[i] ?? null));
        return row;
      });
    }
  } finally {
    // A batch still in flight (the consumer stopped early) is let finish before closing.
    await next?.catch(() => undefined);
    await cursor.close();
  }
}

function summarize(b: BoundMapping, counts: TableSummary['counts']): TableSummary {
  const pk = b.table.primaryKey.length === 1 ? (b.table.primaryKey[0] as string) : undefined;
  const seq = pk ? b.table.sequences[pk] : undefined;
  const keyAtApply = keyGeneratorOf(b.table);
  return {
    table: tableKey(b.table),
    schema: b.table.schema,
    name: b.table.name,
    primaryKey: b.table.primaryKey,
    columns: Object.fromEntries(b.table.columns.filter((c) => !c.generated).map((c) => [c.name, c.type])),
    ...(seq && pk ? { sequence: { schema: seq.schema, name: seq.name, column: pk } } : {}),
    ...(keyAtApply ? { keyAtApply } : {}),
    counts,
  };
}

/** Binds the mappings to the schema; compile and schema problems are reported together. */
function bindAll(mappings: Parameters<typeof bindMappings>[0], catalog: Parameters<typeof bindMappings>[1], sources: string[], earlier: Problem[]) {
  let bound: ReturnType<typeof bindMappings> = [];
  const problems = [...earlier];
  try {
    bound = bindMappings(mappings, catalog, sources);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length) throw new InvalidInputError('invalid mappings', problems);
  return bound;
}
