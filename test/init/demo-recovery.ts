import { cp } from 'node:fs/promises';
import path from 'node:path';
import { apply } from '../../src/apply/apply.js';
import { loadConfig } from '../../src/config/load.js';
import { connectDatabase } from '../../src/db/connect.js';
import { compareRecovery, type RecoveryReport } from '../../src/demo/compare.js';
import type { Incident, IncidentRows } from '../../src/demo/incident.js';
import { writePatch } from '../../src/patch/patch.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { DEMO_SCHEMA_SQL, DEMO_TABLES, demoLoadStatements, demoSelectTable } from '../../src/sql/demo-schema.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { patchDir, changesetPath } from '../../src/runtime/job-paths.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

/**
 * Runs the rest of a recovery (reconcile, patch, apply) with the config in
 * `configFile` over records already pulled into its job, onto a fresh copy of the
 * sample incident's backup, and grades the result as `salvage demo` does.
 */
export async function recoverAndGrade(
  configFile: string,
  incident: Incident,
  env: Record<string, string>,
): Promise<{ report: RecoveryReport; target: TestDatabase }> {
  const target = await createTestDatabase('init_target');
  await loadRows(target.url, incident.backup);
  const config = await loadConfig(configFile, { kinds: SOURCE_KINDS, env: { ...process.env, ...env, TARGET_DATABASE_URL: target.url } });
  await reconcile({ config });
  await writePatch(config.jobDir, changesetPath(config.jobDir));
  await apply({ patchDir: patchDir(config.jobDir), target: { url: target.url, embeddedDir: '' }, confirm: target.name });
  return { report: compareRecovery(incident, await readRows(target.url)), target };
}

export async function loadRows(url: string, rows: IncidentRows): Promise<void> {
  const db = await connectDatabase({ url });
  try {
    await db.client.query(DEMO_SCHEMA_SQL);
    for (const statement of demoLoadStatements(rows)) await db.client.query(statement);
  } finally {
    await db.close();
  }
}

async function readRows(url: string): Promise<IncidentRows> {
  const db = await connectDatabase({ url, readOnly: true });
  try {
    const out: Partial<IncidentRows> = {};
    for (const table of DEMO_TABLES) out[table] = (await db.client.query<Record<string, string | null>>(demoSelectTable(table))).rows;
    return out as IncidentRows;
  } finally {
    await db.close();
  }
}

/** Copies a job's pulled records into another job directory. */
export async function copyRecords(fromJob: string, toJob: string): Promise<void> {
  await cp(path.join(fromJob, 'records'), path.join(toJob, 'records'), { recursive: true });
}

/** Totals of a graded recovery, for assertions and the report. */
export function totals(report: RecoveryReport): { lost: number; recovered: number; partial: number; wrong: number; missing: number; damaged: number; spurious: number } {
  const sum = (f: (t: RecoveryReport['tables'][number]) => number) => report.tables.reduce((n, t) => n + f(t), 0);
  return {
    lost: sum((t) => t.lost),
    recovered: sum((t) => t.recovered),
    partial: sum((t) => t.partial),
    wrong: sum((t) => t.wrong),
    missing: sum((t) => t.missing.expected + t.missing.unexpected),
    damaged: sum((t) => t.damaged),
    spurious: sum((t) => t.spurious),
  };
}
