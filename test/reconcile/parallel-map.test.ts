import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type SalvageConfig } from '../../src/config/load.js';
import { demoEnv, runDemo } from '../../src/demo/run-demo.js';
import { SourceInputError } from '../../src/records/connector.js';
import { mapWorkerScript } from '../../src/reconcile/parallel-map.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import type { Progress } from '../../src/runtime/progress.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { tempJobDir } from '../support/flow.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();

/** The changeset as written, without its creation time: what must not depend on how mapping ran. */
async function changesetText(job: string): Promise<string> {
  return (await readFile(path.join(job, 'changeset.json'), 'utf8')).replace(/"createdAt":"[^"]*"/, '"createdAt":""');
}

/**
 * The workers run the build (dist/), not the source: Node starts a worker thread from a file it
 * can load itself, and the TypeScript sources are not one (vitest compiles the modules a
 * test imports, not a worker's). mapWorkerScript() finds the build beside the sources,
 * and vitest's global setup (test/support/fresh-build.ts) rebuilds it first when stale.
 */
describe.runIf(pgUp)('mapping in worker threads', () => {
  let backup: TestDatabase;
  let target: TestDatabase;
  let job: string;
  let config: SalvageConfig;

  beforeAll(async () => {
    backup = await createTestDatabase('pmap_backup');
    target = await createTestDatabase('pmap_target');
    job = await tempJobDir('pmap');
    await runDemo({ kinds: SOURCE_KINDS, jobDir: job, backupUrl: backup.url, targetUrl: target.url, log: () => undefined });
    // Compared with the backup alone: the demo's target already holds what it recovered, and
    // this test needs the hundreds of changes the stale backup gives.
    config = { ...(await loadConfig(path.join(job, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: demoEnv() })), target: {} };
  });
  afterAll(async () => {
    await backup?.drop();
    await target?.drop();
  });

  it('finds the built worker (vitest builds dist/ first)', () => {
    expect(mapWorkerScript()).toBeDefined();
  });

  it('gives byte for byte the changeset of inline mapping, with files cut into many small chunks', async () => {
    await reconcile({ config, mapParallelism: { workers: 0 } });
    const inline = await changesetText(job);
    // 2 KB chunks: each source file is cut into dozens of chunks that two workers finish out of order.
    const stages: Array<{ name: string; total?: number; done: number; ended: boolean }> = [];
    const progress: Progress = {
      stage(name, total) {
        const s = { name, total, done: 0, ended: false };
        stages.push(s);
        return { add: (n = 1) => void (s.done += n), end: () => void (s.ended = true) };
      },
    };
    await reconcile({ config, mapParallelism: { workers: 2, chunkBytes: 2048 }, progress });
    const parallel = await changesetText(job);
    expect(parallel).toBe(inline);
    // Progress: every stage ends; mapping counts the bytes of each file, to the last one.
    expect(stages.every((s) => s.ended)).toBe(true);
    const records = path.join(job, 'records');
    for (const file of (await readdir(records)).filter((f) => f.endsWith('.ndjson'))) {
      const mapping = stages.find((s) => s.name === `map ${file.replace(/\.ndjson$/, '')}`);
      expect(mapping, file).toMatchObject({ total: (await stat(path.join(records, file))).size, done: (await stat(path.join(records, file))).size });
    }
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['public.payments: key candidates', 'public.payments: compare with the backup', 'public.payments: merge changed rows', 'write changeset']));
    const changeset = JSON.parse(parallel) as { changes: unknown[]; sources: Array<{ records: number }> };
    expect(changeset.changes.length).toBeGreaterThan(100);
    expect(changeset.sources.reduce((n, s) => n + s.records, 0)).toBeGreaterThan(300);
  });

  it('reads CRLF line ends and blank lines as the inline reader does', async () => {
    const records = path.join(job, 'records');
    const [name] = (await readdir(records)).filter((f) => f.endsWith('.ndjson')).sort();
    const file = path.join(records, name as string);
    const original = await readFile(file, 'utf8');
    try {
      // Windows line ends, and a blank line every few records.
      await writeFile(file, original.split('\n').map((line, i) => (i % 7 === 3 ? `${line}\r\n` : line)).join('\r\n'));
      await reconcile({ config, mapParallelism: { workers: 0 } });
      const inline = await changesetText(job);
      await reconcile({ config, mapParallelism: { workers: 2, chunkBytes: 1500 } });
      expect(await changesetText(job)).toBe(inline);
    } finally {
      await writeFile(file, original);
    }
  });

  it('names file:line of a bad record in a late chunk, counting the lines of every chunk before it', async () => {
    const records = path.join(job, 'records');
    const [name] = (await readdir(records)).filter((f) => f.endsWith('.ndjson')).sort();
    const file = path.join(records, name as string);
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').length;
    await appendFile(file, '{"source":"x", broken\n');
    const error = await reconcile({ config, mapParallelism: { workers: 2, chunkBytes: 1024 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceInputError);
    expect((error as SourceInputError).location).toBe(`${file}:${lines + 1}`);
    expect((error as Error).message).toMatch(/not valid JSON/);
  });
});
