/**
 * Shared plumbing of the hostile-input corpus: a case file on disk, the
 * library pipeline (pull → reconcile → patch → apply) exactly as the CLI runs it,
 * the real CLI as a child process, and small PostgreSQL helpers.
 *
 * Nothing here knows what a case expects: each test file states its own outcome.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { apply, type ApplyResult } from '../../src/apply/apply.js';
import { loadConfig, type SalvageConfig } from '../../src/config/load.js';
import { writePatch, type PatchResult } from '../../src/patch/patch.js';
import { pull, type PullSummary } from '../../src/pull/pull.js';
import type { Changeset } from '../../src/changeset/changeset.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { readChangeset } from '../../src/changeset/read-changeset.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

export const OBSERVED_WINDOW = 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }';

const created: string[] = [];

/**
 * A fresh directory for one case file, removed after the test file's last test
 * (SALVAGE_CORPUS_KEEP=1 keeps them, to read a failed case's job directory).
 */
export async function caseDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `salvage-corpus-${label}-`));
  created.push(dir);
  return dir;
}

// Registered once per test file (each file imports this module afresh): the last hook to run.
afterAll(() => {
  if (process.env.SALVAGE_CORPUS_KEEP === '1') return;
  for (const dir of created.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A mount point still in use, say: the OS cleans its temp directory eventually.
    }
  }
});

/** Writes files (relative path → content) under `dir`, creating folders. */
export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

export interface PipelineRun {
  config: SalvageConfig;
  pulled: PullSummary[];
  changeset: Changeset;
  pullLog: string[];
  reconcileLog: string[];
}

/** `salvage pull` + `salvage reconcile` through the library, with the given environment. */
export async function pullAndReconcile(dir: string, env: NodeJS.ProcessEnv = {}): Promise<PipelineRun> {
  const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { ...process.env, ...env } });
  const pullLog: string[] = [];
  const reconcileLog: string[] = [];
  const pulled = await pull({ config, log: (l) => pullLog.push(l) });
  const { file } = await reconcile({ config, log: (l) => reconcileLog.push(l) });
  const { changeset } = await readChangeset(file);
  return { config, pulled, changeset, pullLog, reconcileLog };
}

/** `salvage patch` + `salvage apply --confirm <name>` through the library. */
export async function patchAndApply(run: PipelineRun, confirm: string): Promise<{ patch: PatchResult; applied: ApplyResult }> {
  const patch = await writePatch(run.config.jobDir, path.join(run.config.jobDir, 'changeset.json'));
  const applied = await apply({
    patchDir: patch.dir,
    jobDir: run.config.jobDir,
    target: { url: run.config.target.url, embeddedDir: path.join(run.config.jobDir, 'embedded', 'target') },
    confirm,
  });
  return { patch, applied };
}

/** Runs SQL on a database and returns the rows (every value as the server's text). */
export async function query<T extends Record<string, unknown> = Record<string, string | null>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig });
  await client.connect();
  try {
    await client.query("SET TimeZone = 'UTC'");
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function exec(url: string, sql: string): Promise<void> {
  await query(url, sql);
}

// ---------------------------------------------------------------------------
// The real CLI

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The launcher the corpus runs: `bin/salvage.js` (which needs `npm run build`, as
 * `npm test` does first), or SALVAGE_CORPUS_CLI to point at another build.
 */
export const CLI = process.env.SALVAGE_CORPUS_CLI ?? path.resolve('bin/salvage.js');

/** The compiled tree behind CLI (dist/ for bin/salvage.js), for child processes that import salvage's modules. */
export const BUILD_ROOT = process.env.SALVAGE_CORPUS_CLI ? path.dirname(path.dirname(CLI)) : path.resolve('dist');

export function cliAvailable(): boolean {
  if (process.env.SALVAGE_CORPUS_CLI) return existsSync(process.env.SALVAGE_CORPUS_CLI);
  return existsSync(path.resolve('dist/src/cli/main.js'));
}

/** Runs `salvage <args>` without a terminal, like a script or an agent would. */
export function salvage(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliOutcome> {
  if (!cliAvailable()) throw new Error(`${CLI} has no build behind it: run "npm run build" (npm test does it) or set SALVAGE_CORPUS_CLI`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Files

/** Every regular file under `dir` (recursively), relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(path.relative(dir, full));
    }
  }
  if (existsSync(dir)) await walk(dir);
  return out.sort();
}

export async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/** The records a pull wrote for one source. */
export async function readRecords(jobDir: string, source: string): Promise<Array<{ id: string; ref: string; data: Record<string, unknown> }>> {
  const text = await readFile(path.join(jobDir, 'records', `${source}.ndjson`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { id: string; ref: string; data: Record<string, unknown> });
}
