import { existsSync } from 'node:fs';
import path from 'node:path';
import { tableKey } from '../db/catalog.js';
import { connectDatabase } from '../db/connect.js';
import { UsageError } from '../errors.js';
import { buildFamilies } from './build-families.js';
import { Evidence } from './evidence.js';
import { planTables } from './plan-table.js';
import type { PlannedTable, UnplannedTable } from './plan-types.js';
import { renderConfig, type ConfigDraft } from './render-config.js';
import { renderMapping } from './render-mapping.js';
import type { InitReport, TableReport } from './report.js';
import { sampleSource, type SourceSample } from './sample-records.js';
import type { SourceKinds } from '../records/source-kind.js';
import { nameSources, type InitSourceSpec, type NamedSource } from './source-specs.js';
import { surveyBackup, type BackupSurvey, type TableSurvey } from './survey.js';
import { writeNewFiles } from './write-files.js';

export interface InitOptions {
  /** The restored backup's URL; read only. */
  backupUrl?: string;
  /** Or an embedded backup's directory (`<job>/embedded/backup`), used when no URL is given. */
  embeddedDir?: string;
  /** Where salvage.yaml and mappings/ are written; file globs of sources are relative to it. */
  dir: string;
  /** `stripe`, `inbox=imap`, `payments=csv:exports/payments.csv`, or parsed specs. */
  sources: ReadonlyArray<string | InitSourceSpec>;
  /** The kinds those sources may be (connectors/registry.ts, handed down by the CLI or the library entry). */
  kinds: SourceKinds;
  /** The window, when known; otherwise `from` is where the backup ends and `to` is now. */
  window?: { from?: Date | string; to?: Date | string };
  /**
   * Where pulled records are (`<source>.ndjson`): sampled, they are the evidence init
   * chooses fields by. Default: the records directory of the job the config names.
   */
  recordsDir?: string;
  /** The time written into files (tests pin it). */
  now?: Date;
}

export interface InitResult {
  report: InitReport;
  /** The files written, each joined to `dir`. */
  files: string[];
}

const CONFIG_FILE = 'salvage.yaml';
const MAPPINGS_DIR = 'mappings';

/**
 * `salvage init`: reads the backup's schema and writes salvage.yaml for the named
 * sources and a starter mapping per table a source can feed, every guess explained
 * and every unknown required column a TODO the loader refuses until it is filled.
 * Reads the backup only; writes only files that do not exist (else exit 2, nothing written).
 */
export async function init(options: InitOptions): Promise<InitResult> {
  const now = options.now ?? new Date();
  const sources = nameSources(options.sources, options.kinds);
  if (sources.length === 0) throw new UsageError('name at least one source: --source stripe, --source payments=csv:exports/payments.csv, ...');
  if (existsSync(path.join(options.dir, CONFIG_FILE))) {
    throw new UsageError(`${path.join(options.dir, CONFIG_FILE)} exists already; salvage init never overwrites a file. Nothing was written.`);
  }

  const survey = await readBackup(options);
  const samples = new Map<string, SourceSample>();
  const configDraft = draftConfig(options, survey, sources, now);
  const recordsDir = options.recordsDir ?? path.join(path.resolve(options.dir), configDraft.job, 'records');
  for (const source of sources) samples.set(source.name, await sampleSource(source, options.dir, recordsDir));
  const families = buildFamilies(sources, samples);
  const evidence = new Evidence(new Map(survey.tables.map((t) => [tableKey(t.table), t.sample])));
  const verdicts = new Map(survey.tables.map((t) => [tableKey(t.table), t.lostRows]));
  const { planned, unplanned } = planTables(families, { catalog: survey.catalog, domains: survey.domains, evidence, verdicts });

  const files = [
    { path: CONFIG_FILE, text: renderConfig(configDraft) },
    ...planned.map((p) => ({ path: `${MAPPINGS_DIR}/${p.file}`, text: renderMapping(p, now) })),
  ];
  await writeNewFiles(options.dir, files);

  const report: InitReport = {
    backup: { database: survey.database, describe: survey.describe },
    ...(survey.backupEnd ? { backupEnd: { at: survey.backupEnd.at.toISOString(), table: survey.backupEnd.table, column: survey.backupEnd.column } } : {}),
    window: { ...(configDraft.window.from ? { from: configDraft.window.from.toISOString() } : {}), to: configDraft.window.to.toISOString() },
    tables: survey.tables.map((t) => tableReport(t, planned, unplanned)),
    sources: sources.map((s) => ({
      name: s.name,
      kind: s.kind,
      sampled: samples.get(s.name)?.records.length ?? 0,
      ...(samples.get(s.name)?.pulled ? { pulled: true } : {}),
      ...noteOf(samples.get(s.name)),
    })),
    files: files.map((f) => f.path),
    // In file and line order, as check lists them.
    todos: files.flatMap((f) => todosIn(f.path, f.text)).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line)),
  };
  return { report, files: files.map((f) => path.join(options.dir, f.path)) };
}

async function readBackup(options: InitOptions): Promise<BackupSurvey> {
  if (options.backupUrl === undefined) {
    if (options.embeddedDir === undefined) throw new UsageError('init needs the backup: give its URL (--backup-url) or restore it into <job>/embedded/backup');
    // PGlite would quietly create an empty database in a missing directory: an empty schema, and nothing to say.
    if (!existsSync(path.join(options.embeddedDir, 'PG_VERSION'))) {
      throw new UsageError(`no embedded backup in ${options.embeddedDir}: restore the backup there first, or give its URL`);
    }
  }
  const db = await connectDatabase({ url: options.backupUrl, embeddedDir: options.embeddedDir, readOnly: true, applicationName: 'salvage init' });
  try {
    return await surveyBackup(db);
  } finally {
    await db.close();
  }
}

function draftConfig(options: InitOptions, survey: BackupSurvey, sources: NamedSource[], now: Date): ConfigDraft {
  const given = options.window ?? {};
  const from = given.from !== undefined ? new Date(given.from) : survey.backupEnd?.at;
  const fromWhy =
    given.from !== undefined
      ? 'when the backup was taken'
      : survey.backupEnd
        ? `when the backup was taken: its newest write (${survey.backupEnd.table}.${survey.backupEnd.column}); use the real time if you know it`
        : 'the backup has no write-time column to tell: write when it was taken';
  let to = given.to !== undefined ? new Date(given.to) : now;
  let toWhy = given.to !== undefined ? 'when the data was lost' : 'when the data was lost: init wrote the time it ran, the latest it can be';
  if (from && to <= from) {
    to = new Date(from.getTime() + 86_400_000);
    toWhy = 'when the data was lost: a placeholder one day after from (the backup has writes later than now?); write the real time';
  }
  return { job: jobDirOf(options), backup: options.backupUrl === undefined ? 'embedded' : 'url', window: { ...(from ? { from } : {}), fromWhy, to, toWhy }, sources, writtenAt: now };
}

/** An embedded backup lives in <job>/embedded/backup; the config's job: must lead there. */
function jobDirOf(options: InitOptions): string {
  if (options.backupUrl !== undefined || options.embeddedDir === undefined) return './recovery';
  const embedded = path.resolve(options.embeddedDir);
  if (path.basename(embedded) !== 'backup' || path.basename(path.dirname(embedded)) !== 'embedded') return './recovery';
  const job = path.relative(path.resolve(options.dir), path.dirname(path.dirname(embedded))) || '.';
  return job.startsWith('.') ? job : `./${job}`;
}

function tableReport(survey: TableSurvey, planned: PlannedTable[], unplanned: UnplannedTable[]): TableReport {
  const { table } = survey;
  const plan = planned.find((p) => p.table === table);
  const none = unplanned.find((u) => u.table === table)?.why ?? 'no rule';
  return {
    table: tableKey(table),
    rows: survey.rows,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, default: c.default })),
    primaryKey: table.primaryKey,
    uniqueKeys: table.uniqueKeys,
    foreignKeys: table.foreignKeys.map((fk) => ({ columns: fk.columns, references: `${tableKey(fk.references)}(${fk.references.columns.join(', ')})` })),
    sequences: survey.sequences,
    writeColumns: survey.writeColumns,
    ...(survey.newest ? { newest: { column: survey.newest.column, at: survey.newest.at.toISOString() } } : {}),
    lostRows: survey.lostRows,
    lostWhy: survey.lostWhy,
    mapping: plan
      ? {
          file: `${MAPPINGS_DIR}/${plan.file}`,
          rules: plan.rules.map((r) => ({ name: r.family.name, sources: r.family.sources, columns: r.columns.filter((c) => !c.todo).length, why: r.anchor.why })),
        }
      : { none },
  };
}

function noteOf(sample: SourceSample | undefined): { note?: string } {
  return sample?.note ? { note: sample.note } : {};
}

/** Where each TODO landed, so the report can point at it as check will. */
function todosIn(file: string, text: string): InitReport['todos'] {
  return text.split('\n').flatMap((line, i) => {
    if (line.trimStart().startsWith('#')) return [];
    const m = /TODO:(?:[^']|'')*/.exec(line);
    return m ? [{ file, line: i + 1, text: m[0].replaceAll("''", "'").trim() }] : [];
  });
}
