import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalvageConfig } from '../../src/config/load.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { smallJob } from '../support/small-job.js';
import { runSql } from '../support/postgres.js';
import { randomCorpus } from './random-corpus.js';
import { startSecondCluster, type SecondCluster } from '../support/second-cluster.js';

const pgUp = await postgresAvailable();

/**
 * Rows COPY'd into a database so far, from PostgreSQL's own statistics. A backend reports
 * its counts when it ends, a moment after its client has gone: read until they arrive.
 */
async function rowsInsertedInto(url: string, database: string, after = -1): Promise<number> {
  for (let tries = 0; ; tries++) {
    const [result] = await runSql(url, `SELECT tup_inserted::bigint::text AS n FROM pg_stat_database WHERE datname = '${database.replace(/'/g, "''")}'`);
    const n = Number((result?.rows[0] as { n: string } | undefined)?.n ?? 0);
    if (n > after || tries >= 50) return n;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The changeset as written, with the one value that differs from run to run by design blanked. */
async function changesetText(config: SalvageConfig, engine: SalvageConfig['work']['engine'], workUrl?: string): Promise<string> {
  const run = { ...config, work: { engine, ...(workUrl ? { url: workUrl } : {}) } };
  const { file } = await reconcile({ config: run, mapParallelism: { workers: 0 } });
  return (await readFile(file, 'utf8')).replace(/"createdAt":"[^"]*"/, '"createdAt":""');
}

const SEEDS = [1, 2, 3, 4, 5, 6];
/** The first seed also starts an embedded work database (PGlite's initdb: seconds, a minute on a loaded machine). */
const EMBEDDED_TIMEOUT_MS = 180_000;

describe.runIf(pgUp)('the work database engine writes the in-process engine’s changeset, byte for byte', () => {
  const backups: TestDatabase[] = [];
  let work: TestDatabase;

  beforeAll(async () => {
    work = await createTestDatabase('work_engine');
  });
  afterAll(async () => {
    for (const b of backups) await b.drop();
    await work?.drop();
  });

  const seen = new Set<string>();

  it.each(SEEDS)('seeded random corpus %i', async (seed) => {
    const corpus = randomCorpus(seed);
    const backup = await createTestDatabase(`work_corpus_${seed}`);
    backups.push(backup);
    await runSql(backup.url, corpus.schemaSql);
    const { dir, config } = await smallJob({ label: `work-corpus-${seed}`, backupUrl: backup.url, mappings: corpus.mappings, records: corpus.records });
    const oracle = await changesetText(config, 'in-process');
    const parsed = JSON.parse(oracle) as { changes: Array<{ kind: string; reason?: string }>; tables: Array<{ counts: { unchanged: number } }> };
    for (const change of parsed.changes) seen.add(change.reason ? `${change.kind}: ${change.reason}` : change.kind);
    if (parsed.tables.some((t) => t.counts.unchanged > 0)) seen.add('unchanged');
    // A server's work database for every seed; the embedded one (a PGlite made afresh per job) for the first.
    const insertedBefore = await rowsInsertedInto(work.url, work.name);
    expect(await changesetText(config, 'work-database', work.url)).toBe(oracle);
    // The comparison really ran there: the candidates' keys and the backup were staged into it
    // (an engine that quietly compared in process would give the same bytes).
    const staged = (await rowsInsertedInto(work.url, work.name, insertedBefore)) - insertedBefore;
    expect(staged).toBeGreaterThanOrEqual(Object.values(corpus.records).reduce((n, records) => n + records.length, 0) / 2);
    if (seed === SEEDS[0]) expect(await changesetText(config, 'work-database')).toBe(oracle);
    // The run's schema is gone from the work database afterwards.
    const left = await runSql(work.url, `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'salvage_work_%'`);
    expect(left[0]?.rows[0]).toEqual({ n: 0 });
    expect(path.basename(dir)).toBeTruthy();
  }, EMBEDDED_TIMEOUT_MS);

  it('the corpora reach every outcome: each kind of change, ambiguity, and rows left unchanged', () => {
    expect([...seen].sort()).toEqual(expect.arrayContaining(['conflict', 'insert', 'unchanged', 'unrecoverable: ambiguous-match', 'update']));
  });
});

describe.runIf(pgUp)('the work database on a second PostgreSQL server (a cluster of its own)', () => {
  let cluster: SecondCluster | undefined;
  let backup: TestDatabase;

  beforeAll(async () => {
    cluster = await startSecondCluster();
    backup = await createTestDatabase('work_second_server');
  }, 60_000);
  afterAll(async () => {
    cluster?.stop();
    await backup?.drop();
  });

  it('compares there with the backup on the first, and writes the same changeset', async (context) => {
    if (!cluster) context.skip();
    const corpus = randomCorpus(42);
    await runSql(backup.url, corpus.schemaSql);
    const { config } = await smallJob({ label: 'work-second-server', backupUrl: backup.url, mappings: corpus.mappings, records: corpus.records });
    const oracle = await changesetText(config, 'in-process');
    expect(await changesetText(config, 'work-database', cluster?.url)).toBe(oracle);
    // The backup holds no object of salvage's: the work was done on the other server.
    const left = await runSql(backup.url, `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'salvage_work_%'`);
    expect(left[0]?.rows[0]).toEqual({ n: 0 });
  }, 60_000);
});
