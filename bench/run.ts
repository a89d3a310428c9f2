/**
 * npm run bench [-- --rows N] [-- --backup-fraction F] [-- --engine work-database]: salvage against the
 * hand-written SQL a DBA would write, on the same generated data and the same
 * PostgreSQL, in one run. --backup-fraction 0.1 keeps only the first tenth of the
 * payments in the backup: a backup months older, where most records are new rows.
 * --engine picks reconcile's engine (in-process by default; work-database compares with the
 * backup in the job's embedded work database, or in SALVAGE_BENCH_WORK_URL's database).
 * Prints a table and one line `BENCH {json}`. Never part of npm test.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { STAGES, type Stage, type StageResult } from './stage-result.js';
import { runBaseline } from './baseline.js';
import { BENCH_MAPPING, loadBackup, writeRecords } from './data.js';
import { CHECKPOINT, createDatabase, dropDatabase } from '../src/sql/database.js';

const ADMIN_URL = process.env.SALVAGE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function fingerprint(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const r = await c.query<{ n: string; h: string }>(`SELECT count(*)::text AS n, md5(string_agg(
      concat_ws('|', stripe_charge_id, customer_id, amount, currency, status, extract(epoch FROM created_at)), ',' ORDER BY stripe_charge_id)) AS h FROM payments`);
    return `${r.rows[0]?.n}:${r.rows[0]?.h}`;
  });
}

function engineArg(): 'in-process' | 'work-database' {
  const i = process.argv.indexOf('--engine');
  const engine = i >= 0 ? process.argv[i + 1] : 'in-process';
  if (engine !== 'in-process' && engine !== 'work-database') throw new Error(`--engine must be in-process or work-database, not ${engine}`);
  return engine;
}

async function main(): Promise<void> {
  const rows = arg('rows', 1_000_000);
  const engine = engineArg();
  const workUrl = process.env.SALVAGE_BENCH_WORK_URL;
  const backupRows = Math.round(rows * arg('backup-fraction', 1));
  const tag = `${process.pid}_${Date.now() % 100000}`;
  const names = {
    backup: `salvage_bench_backup_${tag}`,
    salvage: `salvage_bench_salvage_${tag}`,
    baselineBefore: `salvage_bench_baseline1_${tag}`,
    baselineAfter: `salvage_bench_baseline2_${tag}`,
  };
  const job = await mkdtemp(path.join(os.tmpdir(), 'salvage-bench-'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    log(`generating ${backupRows} backup rows and ${Math.floor(rows * 1.1)} records...`);
    await withClient(ADMIN_URL, (c) => c.query(createDatabase(names.backup)));
    await withClient(urlFor(names.backup), (c) => loadBackup(c, rows, backupRows));
    for (const target of [names.salvage, names.baselineBefore, names.baselineAfter]) {
      await withClient(ADMIN_URL, (c) => c.query(createDatabase(target, names.backup)));
    }
    await mkdir(path.join(job, 'records'), { recursive: true });
    await mkdir(path.join(job, 'mappings'));
    await writeFile(path.join(job, 'mappings', 'payments.yaml'), BENCH_MAPPING);
    const recordsFile = path.join(job, 'records', 'stripe.ndjson');
    await writeRecords(recordsFile, rows);
    const configText = `job: .
backup: { url: ${JSON.stringify(urlFor(names.backup))} }
target: { url: ${JSON.stringify(urlFor(names.salvage))} }
work: { engine: ${engine}${workUrl ? `, url: ${JSON.stringify(workUrl)}` : ''} }
window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }
mappings: ./mappings
sources:
  stripe: { kind: stripe, apiKey: rk_test_bench }
`;
    await writeFile(path.join(job, 'salvage.yaml'), configText);

    // The baseline runs once before salvage and once after, on copies of its own: on a shared
    // machine, speed drifts within a run. The ratio is taken against the faster of the two, so
    // that drift can only make salvage look worse, never better.
    log('baseline, before salvage: COPY into jsonb staging, INSERT ... SELECT, UPDATE ... FROM...');
    await settle();
    const before = await withClient(urlFor(names.baselineBefore), (c) => runBaseline(c, recordsFile));
    await settle();

    log('salvage: reconcile, patch, apply (each in a process of its own, as the three commands run, so each peak is its own)...');
    const stages = await runSalvageStages(job, urlFor(names.salvage), names.salvage);

    log('baseline, after salvage...');
    await settle();
    const after = await withClient(urlFor(names.baselineAfter), (c) => runBaseline(c, recordsFile));
    const faster = before.seconds <= after.seconds ? before : after;
    const baselineSeconds = faster.seconds;
    const salvageTable = await fingerprint(urlFor(names.salvage));
    const sameResult = salvageTable === (await fingerprint(urlFor(names.baselineBefore))) && salvageTable === (await fingerprint(urlFor(names.baselineAfter)));

    const salvageSeconds = stages.reconcile_s + stages.patch_s + stages.apply_s;
    const result = {
      rows,
      ...(engine !== 'in-process' ? { engine: workUrl ? `${engine} (server)` : engine } : {}),
      ...(backupRows !== rows ? { backup_rows: backupRows } : {}),
      records: Math.floor(rows * 1.1),
      inserts: stages.inserts,
      updates: stages.updates,
      salvage_s: round(salvageSeconds),
      reconcile_s: round(stages.reconcile_s),
      patch_s: round(stages.patch_s),
      apply_s: round(stages.apply_s),
      baseline_s: round(baselineSeconds),
      baseline_runs_s: [round(before.seconds), round(after.seconds)],
      baseline_write_s: round(faster.writeSeconds),
      ratio: round(salvageSeconds / baselineSeconds),
      apply_rows_per_s: Math.round(stages.applied_rows / stages.apply_s),
      // PostgreSQL's own rate for the same writes, from the hand-written SQL's INSERT and UPDATE.
      baseline_write_rows_per_s: Math.round(stages.applied_rows / faster.writeSeconds),
      peak_rss_mb: stages.peak_rss_mb,
      peak_rss_mb_by_stage: stages.peaks,
      same_result: sameResult,
      patch_statements: stages.patch_statements,
    };
    const table = [
      ['stage', 'seconds'],
      ['salvage reconcile (map + compare)', stages.reconcile_s.toFixed(2)],
      ['salvage patch', stages.patch_s.toFixed(2)],
      ['salvage apply', stages.apply_s.toFixed(2)],
      ['salvage total', salvageSeconds.toFixed(2)],
      ['hand-written SQL, before salvage', before.seconds.toFixed(2)],
      ['hand-written SQL, after salvage', after.seconds.toFixed(2)],
      ['  of which INSERT + UPDATE (faster run)', faster.writeSeconds.toFixed(2)],
      ['hand-written SQL baseline (the faster)', baselineSeconds.toFixed(2)],
    ];
    for (const [a, b] of table) process.stdout.write(`${(a as string).padEnd(36)} ${(b as string).padStart(8)}\n`);
    process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
    if (!sameResult) process.exitCode = 1;
  } finally {
    if (!process.env.SALVAGE_BENCH_KEEP) await rm(job, { recursive: true, force: true });
    else log(`kept ${job}`);
    if (!process.env.SALVAGE_BENCH_KEEP) {
      await withClient(ADMIN_URL, async (c) => {
        for (const name of Object.values(names)) await c.query(dropDatabase(name));
      });
    }
  }
}

/**
 * Flushes what the previous step left dirty (generating the data, copying the databases, the
 * other side's writes), so that no measured step pays for a checkpoint of another's writes.
 * Needs a superuser or pg_checkpoint; without it, the runs are just less fair.
 */
async function settle(): Promise<void> {
  await withClient(ADMIN_URL, (c) => c.query(CHECKPOINT)).catch(() => undefined);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

interface StagesResult {
  reconcile_s: number;
  patch_s: number;
  apply_s: number;
  inserts?: number;
  updates?: number;
  applied_rows: number;
  patch_statements: number;
  /** The largest of the three stages' peaks, and each stage's own. */
  peak_rss_mb: number;
  peaks: Record<Stage, number>;
}

/** Runs reconcile, patch and apply one after the other, each as bench/salvage-stages.js in a process of its own, as the three commands run. */
async function runSalvageStages(job: string, targetUrl: string, targetName: string): Promise<StagesResult> {
  const results = {} as Record<Stage, StageResult>;
  for (const stage of STAGES) results[stage] = await runStage(stage, job, targetUrl, targetName);
  const { reconcile, patch, apply } = results;
  return {
    reconcile_s: reconcile.seconds,
    patch_s: patch.seconds,
    apply_s: apply.seconds,
    ...(reconcile.inserts !== undefined ? { inserts: reconcile.inserts } : {}),
    ...(reconcile.updates !== undefined ? { updates: reconcile.updates } : {}),
    applied_rows: apply.applied_rows ?? 0,
    patch_statements: patch.patch_statements ?? 0,
    peak_rss_mb: Math.max(reconcile.peak_rss_mb, patch.peak_rss_mb, apply.peak_rss_mb),
    peaks: { reconcile: reconcile.peak_rss_mb, patch: patch.peak_rss_mb, apply: apply.peak_rss_mb },
  };
}

async function runStage(stage: Stage, job: string, targetUrl: string, targetName: string): Promise<StageResult> {
  const script = fileURLToPath(new URL('./salvage-stages.js', import.meta.url));
  const child = spawn(process.execPath, [script, stage, job, targetUrl, targetName], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`salvage ${stage} failed (exit ${code})`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as StageResult;
}

await main();
