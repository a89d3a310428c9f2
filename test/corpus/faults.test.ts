/**
 * Corpus, faults: a pull killed half way (SIGKILL, no chance to clean up) and run again;
 * the disk filling up while records are written; the target's connection cut in the
 * middle of an apply. Each must end with nothing missing, nothing twice, nothing half
 * written, and a message a person can act on.
 *
 * The disk-full cases mount a 64 KiB tmpfs when the test runs as root and may mount
 * (CI containers usually can); otherwise they simulate ENOSPC inside the process.
 * The machine's PostgreSQL server is never stopped: the apply's own backend is
 * terminated with pg_terminate_backend, which is what a restart looks like to a client.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs, { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { loadConfig } from '../../src/config/load.js';
import { SalvageError } from '../../src/errors.js';
import { writePatch } from '../../src/patch/patch.js';
import { pull } from '../../src/pull/pull.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { ACCESS_TOKEN, booking, CALENDARS, KAYAKS } from '../fakes/google-calendar/scenario.js';
import { startFakeCalendar, type FakeCalendarServer } from '../fakes/google-calendar/server.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { BUILD_ROOT, caseDir, CLI, cliAvailable, OBSERVED_WINDOW, query, readRecords, salvage, writeFiles } from './support.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, stderr: () => stderr };
}

// ---------------------------------------------------------------------------
// A pull killed half way

/**
 * A proxy in front of the fake Calendar API that answers the first `pass` events pages
 * and then holds every further request open: the pull is stuck right after a checkpoint,
 * which is where the kill lands.
 */
async function startHoldingProxy(upstream: FakeCalendarServer): Promise<{ url: string; pass: number; eventPages: number; held: number; close(): Promise<void> }> {
  const state = { pass: Number.POSITIVE_INFINITY, eventPages: 0, held: 0 };
  const held: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isEvents = /\/events(\?|$)/.test(req.url ?? '');
    if (isEvents && state.eventPages >= state.pass) {
      state.held++;
      held.push(res);
      req.resume();
      return;
    }
    if (isEvents) state.eventPages++;
    const forward = httpRequest({ host: '127.0.0.1', port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    get pass() {
      return state.pass;
    },
    set pass(value: number) {
      state.pass = value;
    },
    get eventPages() {
      return state.eventPages;
    },
    get held() {
      return state.held;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

const EVENTS = 95;
const PAGE = 10;

describe.runIf(cliAvailable())('corpus: a pull killed half way and run again', () => {
  let fake: FakeCalendarServer;

  beforeAll(async () => {
    fake = await startFakeCalendar({ calendars: CALENDARS, accessTokens: [ACCESS_TOKEN], pageSize: PAGE });
    for (let n = 1; n <= EVENTS; n++) fake.store.put(KAYAKS, booking(n));
  });
  afterAll(async () => {
    await fake?.close();
  });

  async function job(apiBase: string): Promise<string> {
    const dir = await caseDir('kill');
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job\n${OBSERVED_WINDOW}\nsources:\n  calendar: { kind: google-calendar, accessToken: env:CORPUS_GCAL_TOKEN, calendarIds: ['${KAYAKS}'], apiBase: '${apiBase}' }\n`,
    });
    return dir;
  }
  const env = { CORPUS_GCAL_TOKEN: ACCESS_TOKEN };
  const withoutObservedAt = (records: Array<Record<string, unknown>>) => records.map(({ observedAt: _, ...rest }) => rest);

  it('google-calendar: SIGKILL after 3 of 10 pages, then pull again: every event exactly once, as an uninterrupted pull has them', async () => {
    const baselineDir = await job(fake.rootUrl);
    expect((await salvage(['pull'], baselineDir, env)).code).toBe(0);
    const baseline = await readRecords(path.join(baselineDir, 'job'), 'calendar');
    expect(baseline).toHaveLength(EVENTS);

    const proxy = await startHoldingProxy(fake);
    try {
      proxy.pass = 3;
      const dir = await job(proxy.url);
      const records = path.join(dir, 'job', 'records', 'calendar.ndjson');
      const first = startCli(['pull'], dir, env);
      await waitFor('the 4th page request to be held', () => (proxy.held > 0 ? true : undefined));
      const checkpoint = await waitFor('the checkpoint after page 3', async () => {
        const text = await readFile(`${records}.checkpoint.json`, 'utf8').catch(() => '');
        const parsed = text ? (JSON.parse(text) as { records: number }) : undefined;
        return parsed && parsed.records === 3 * PAGE ? parsed : undefined;
      });
      expect(checkpoint.records).toBe(30);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      expect(existsSync(records)).toBe(false);
      expect(existsSync(`${records}.partial`)).toBe(true);

      proxy.pass = Number.POSITIVE_INFINITY;
      const pagesBefore = proxy.eventPages;
      const second = await salvage(['pull'], dir, env);
      expect(second.code).toBe(0);
      expect(second.stderr).toContain('calendar: resuming an interrupted pull after 30 records');
      // Resumed at page 4: pages 1-3 were not asked for again (7 window pages + the beyond-horizon pass).
      expect(proxy.eventPages - pagesBefore).toBe(8);
      const resumed = await readRecords(path.join(dir, 'job'), 'calendar');
      expect(new Set(resumed.map((r) => r.id)).size).toBe(resumed.length);
      expect(withoutObservedAt(resumed as unknown as Array<Record<string, unknown>>)).toEqual(withoutObservedAt(baseline as unknown as Array<Record<string, unknown>>));
      expect(existsSync(`${records}.partial`)).toBe(false);
      expect(existsSync(`${records}.checkpoint.json`)).toBe(false);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('csv (no checkpoints): SIGKILL mid-file leaves the previous complete file, and the next pull writes every row once', async () => {
    const dir = await caseDir('kill-csv');
    const rows = 200_000;
    const lines = ['id,note'];
    for (let i = 1; i <= rows; i++) lines.push(`${i},"row ${i}, padded ${'x'.repeat(40)}"`);
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job\n${OBSERVED_WINDOW}\nsources:\n  ledger: { kind: csv, files: [exports/ledger.csv] }\n`,
      'exports/ledger.csv': 'id,note\n1,previous\n',
    });
    const records = path.join(dir, 'job', 'records', 'ledger.ndjson');
    expect((await salvage(['pull'], dir, {})).code).toBe(0);
    const previous = await readFile(records, 'utf8');

    await writeFile(path.join(dir, 'exports', 'ledger.csv'), `${lines.join('\n')}\n`);
    const first = startCli(['pull'], dir, {});
    await waitFor('the partial records file to grow', () => (fs.statSync(`${records}.partial`, { throwIfNoEntry: false })?.size ?? 0) > 1_000_000 || undefined);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await readFile(records, 'utf8')).toBe(previous);

    const second = await salvage(['pull'], dir, {});
    expect(second.code).toBe(0);
    const text = await readFile(records, 'utf8');
    const ids = text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { data: { id: string } }).data.id);
    expect(ids).toHaveLength(rows);
    expect(new Set(ids).size).toBe(rows);
    expect(ids.at(-1)).toBe(String(rows));
  }, 60_000);
});

// ---------------------------------------------------------------------------
// The disk fills up

/** A 64 KiB tmpfs at `dir`, when this process may mount one. */
function mountTinyDisk(dir: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
}
function unmount(dir: string): void {
  spawnSync('umount', [dir]);
}

/**
 * Without a mount: record files whose writes fail with ENOSPC after `limit` bytes. The
 * failure is reported while the writer waits for 'drain' (as a full disk under a fast
 * source does); a failure while it waits for its source is the separate bug below.
 */
function simulateFullDisk(limit: number): () => void {
  const original = fs.createWriteStream as (file: fs.PathLike, options?: unknown) => fs.WriteStream;
  const patched = (file: fs.PathLike, options?: unknown) => {
    const real = original(file, options);
    if (!String(file).endsWith('.ndjson.partial')) return real;
    let written = 0;
    const stream: Writable = new Writable({
      highWaterMark: 4096,
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        if (written <= limit) {
          real.write(chunk, callback);
          return;
        }
        const fail = setInterval(() => {
          if (!stream.writableNeedDrain) return;
          clearInterval(fail);
          callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' }));
        }, 1);
      },
      final(callback) {
        real.end(callback);
      },
      destroy(error, callback) {
        real.destroy();
        callback(error);
      },
    });
    return stream;
  };
  fs.createWriteStream = patched as unknown as typeof fs.createWriteStream;
  syncBuiltinESMExports();
  return () => {
    fs.createWriteStream = original as unknown as typeof fs.createWriteStream;
    syncBuiltinESMExports();
  };
}

// Mounted (or not) while the file is collected, so that the CLI case knows whether it can run.
const enospcDir = await caseDir('enospc');
const jobDisk = path.join(enospcDir, 'disk');
await mkdir(jobDisk);
const mounted = process.env.SALVAGE_CORPUS_NO_MOUNT === '1' ? false : mountTinyDisk(jobDisk);
// Whatever happens to the tests (filtered out, timed out), the mount goes with the process.
if (mounted) process.once('exit', () => unmount(jobDisk));

describe('corpus: the disk fills up while records are written', () => {
  const dir = enospcDir;

  beforeAll(async () => {
    const rows = (n: number) => ['id,name,note', ...Array.from({ length: n }, (_, i) => `${i + 1},name ${i + 1},${'n'.repeat(200)}`)].join('\n');
    await writeFiles(dir, {
      'salvage.yaml': `job: ./disk/job\n${OBSERVED_WINDOW}\nsources:\n  ledger: { kind: csv, files: [exports/ledger.csv] }\n`,
      'exports/small.csv': rows(40),
      'exports/large.csv': rows(1000),
    });
  });
  afterAll(async () => {
    if (mounted) unmount(jobDisk);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  });

  async function pullFrom(csv: 'small' | 'large'): Promise<unknown> {
    await writeFile(path.join(dir, 'exports', 'ledger.csv'), await readFile(path.join(dir, 'exports', `${csv}.csv`)));
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    const restore = mounted ? () => undefined : simulateFullDisk(30_000);
    try {
      await pull({ config });
      return undefined;
    } catch (error) {
      return error;
    } finally {
      restore();
    }
  }

  it('fails with ENOSPC, keeps the previous records file byte for byte, and frees the partial file', async () => {
    expect(await pullFrom('small')).toBeUndefined();
    const file = path.join(jobDisk, 'job', 'records', 'ledger.ndjson');
    const before = await readFile(file);
    expect(before.toString('utf8').split('\n').filter(Boolean)).toHaveLength(40);

    const error = await pullFrom('large');
    expect((error as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
    expect(await readFile(file)).toEqual(before);
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(existsSync(`${file}.checkpoint.json`)).toBe(false);
  });

  // Fixed bug: a full disk reaches the user as "salvage: internal error: Error: ENOSPC: no space
  // left on device, write ... This is a bug in salvage" (exit 1): it is not a bug, and the
  // message names neither the file nor what to do. Expected: "cannot write
  // <job>/records/ledger.ndjson.partial: no space left on device; the previous records are
  // untouched; free space and pull again", without the "bug" line.
  it.runIf(cliAvailable() && mounted)('through the CLI the message names the file and the fix, and does not call it a bug', async () => {
    await writeFile(path.join(dir, 'exports', 'ledger.csv'), await readFile(path.join(dir, 'exports', 'large.csv')));
    const result = await salvage(['pull'], dir);
    expect(result.code).toBe(5); // the file system refused: its own exit code
    expect(result.stderr).toContain('ledger.ndjson');
    expect(result.stderr).toMatch(/no space left on device/i);
    expect(result.stderr).not.toMatch(/internal error|bug in salvage/);
  });

  // Fixed bug: openRecordsSink (src/records/ndjson.ts) only listens for the stream's 'error' while it
  // waits for 'drain' or for the final close. When the disk fills while a slow source is
  // fetching its next page, the error is emitted with no listener: the process dies with
  // "Unhandled 'error' event" and a raw stack (a library caller hangs on 'drain' instead).
  // Expected: write() rejects with the ENOSPC error like in the case above.
  it.runIf(cliAvailable() && mounted)('a slow source on a full disk: the pull rejects with ENOSPC instead of crashing the process', async () => {
    const sink = pathToFileURL(path.join(BUILD_ROOT, 'src', 'records', 'ndjson.js')).href;
    const script = `
      import { writeRecordsFile } from ${JSON.stringify(sink)};
      const record = (i) => ({ source: 's', type: 't', id: String(i), ref: 't:' + i, observedAt: '2026-04-26T00:00:00Z', data: { pad: 'x'.repeat(2000) } });
      async function* slow() { for (let i = 0; i < 200; i++) { if (i % 5 === 0) await new Promise((r) => setTimeout(r, 20)); yield record(i); } }
      try { await writeRecordsFile(${JSON.stringify(path.join(jobDisk, 'slow', 'records.ndjson'))}, slow()); console.log('written'); }
      catch (error) { console.log('rejected ' + error.code); }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stderr).not.toContain("Unhandled 'error' event");
    expect(child.stdout.trim()).toBe('rejected ENOSPC');
    expect(child.status).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// The target's connection cut during apply

const TABLE_SQL = `CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2));
INSERT INTO items VALUES (1, 'old name', 10.00);`;

describe.runIf(pgUp)('corpus: the target database goes away in the middle of an apply', () => {
  let backup: TestDatabase;
  let target: TestDatabase;
  let patchDir: string;
  let jobDir: string;

  beforeAll(async () => {
    backup = await createTestDatabase('corpus_fault_backup');
    target = await createTestDatabase('corpus_fault_target');
    for (const db of [backup, target]) await query(db.url, TABLE_SQL);
    const dir = await caseDir('restart');
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job\nbackup: { url: env:CORPUS_BACKUP_URL }\ntarget: { url: env:CORPUS_TARGET_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n  ledger: { kind: csv, files: [exports/items.csv] }\n`,
      'mappings/items.yaml': 'table: items\nrules:\n  - name: row\n    columns:\n      id: { from: data.id, transform: [int] }\n      name: data.name\n      price: { from: data.price, transform: [decimal] }\n',
      'exports/items.csv': 'id,name,price\n1,new name,10.00\n2,Kayak,45.00\n3,Paddle,12.50\n',
    });
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { ...process.env, CORPUS_BACKUP_URL: backup.url, CORPUS_TARGET_URL: target.url } });
    await pull({ config });
    await reconcile({ config });
    jobDir = config.jobDir;
    patchDir = (await writePatch(config.jobDir, path.join(config.jobDir, 'changeset.json'))).dir;
  }, 60_000);
  afterAll(async () => {
    await backup?.drop();
    await target?.drop();
  });

  const state = async () => ({
    items: await query(target.url, 'SELECT id::text, name, price::text FROM items ORDER BY id'),
    history: await query(target.url, "SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'salvage'").then(async ([t]) =>
      t?.n === '0' ? [] : query(target.url, 'SELECT action, outcome FROM salvage.salvage_history'),
    ),
  });
  const applyNow = () => apply({ patchDir, jobDir, target: { url: target.url, embeddedDir: '' }, confirm: target.name });

  /** Terminates the apply's backend once it shows `waiting` (a lock) or runs a statement matching `query`. */
  async function terminateApplyWhen(condition: string): Promise<string> {
    return waitFor('the apply to reach the point of failure', async () => {
      const [row] = await query(
        target.url,
        `SELECT pid::text AS pid, query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'salvage patch' AND ${condition}`,
      );
      if (!row?.pid) return undefined;
      await query(target.url, 'SELECT pg_terminate_backend($1::int)', [row.pid]);
      return row.query ?? '';
    }, 15_000);
  }

  it('cut during an INSERT: a clear error at patch.sql:line, everything rolled back; once the server is back, apply again works', async () => {
    const before = await state();
    await query(
      target.url,
      `CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(10); RETURN NULL; END $$;
       CREATE TRIGGER slow BEFORE INSERT ON items FOR EACH STATEMENT EXECUTE FUNCTION slow_insert();`,
    );
    try {
      const failed = applyNow().catch((e: unknown) => e);
      const cut = await terminateApplyWhen("state = 'active' AND query LIKE 'INSERT INTO%'");
      expect(cut).toMatch(/^INSERT INTO "public"\."items"/);
      const error = await failed;
      expect(error).toBeInstanceOf(SalvageError);
      expect((error as Error).message).toMatch(/patch\.sql:\d+:\d+: .*insert on public\.items: terminating connection due to administrator command.*Everything was rolled back; nothing was written/);
    } finally {
      await query(target.url, 'DROP TRIGGER slow ON items; DROP FUNCTION slow_insert();');
    }
    expect(await state()).toEqual(before);

    const again = await applyNow();
    expect(again.committed).toBe(true);
    expect((await state()).items).toEqual([
      { id: '1', name: 'new name', price: '10.00' },
      { id: '2', name: 'Kayak', price: '45.00' },
      { id: '3', name: 'Paddle', price: '12.50' },
    ]);
    expect((await state()).history).toEqual([{ action: 'apply', outcome: 'committed' }]);
    await apply({ patchDir, jobDir, target: { url: target.url, embeddedDir: '' }, confirm: target.name, which: 'undo' });
  }, 60_000);

  // Fixed bug: a connection lost before the first statement (here while the drift check waits for a
  // row lock) escapes as a raw pg error, which the CLI prints as "internal error ... This is a
  // bug in salvage". The data is safe (the transaction is gone), but the message must say so:
  // connection lost, nothing was written, run apply again.
  it('cut during the drift check: the error is a salvage error that says nothing was written', async () => {
    const before = await state();
    const { Client } = (await import('pg')).default;
    const blocker = new Client({ connectionString: target.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM items WHERE id = 1 FOR UPDATE');
      const failed = applyNow().catch((e: unknown) => e);
      await terminateApplyWhen("wait_event_type = 'Lock'");
      const error = await failed;
      expect(await state()).toEqual(before);
      expect(error).toBeInstanceOf(SalvageError);
      expect((error as Error).message).toMatch(/nothing was written/i);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
  }, 60_000);
});
