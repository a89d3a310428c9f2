import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * An embedded PostgreSQL: PGlite (PostgreSQL 18 compiled to WASM, in this
 * process) persisted in a directory and served on 127.0.0.1 by pglite-socket,
 * so that the rest of salvage talks to it with node-postgres like to any server.
 *
 * What to know (checked with pglite 0.5.14 / pglite-socket 0.2.17):
 * - ONE connection at a time. PGlite is a single backend; the socket server is
 *   started with its default of one connection, and a second client that
 *   connects while the first is open is dropped at once: node-postgres reports
 *   "Connection terminated unexpectedly". After the first client has ended, a
 *   new one connects normally. (pglite-socket can multiplex several clients
 *   onto the one backend with `maxConnections`, interleaving whole protocol
 *   messages; salvage does not use that, as sessions would not be isolated.)
 * - The backend outlives connections: a SET made by one connection still holds
 *   for the next, which is why the session setup in ../sql/session.ts sets
 *   every setting explicitly, read-only included. A transaction left open by a
 *   client that disconnects is rolled back by the socket server.
 * - Startup parameters are ignored (application_name stays empty), and the
 *   database/user in the URL do not matter: there is only `postgres`.
 * - Starting on an empty directory runs initdb: about 3 s here. Reopening an
 *   existing directory takes about 0.3 s. stop() closes PGlite, which flushes it.
 * - PGlite itself does not lock its directory (two instances open the same
 *   directory without complaint, and would corrupt it), so startEmbedded keeps a
 *   lock file `salvage-embedded.lock` (holding the pid) in the directory.
 */
export interface EmbeddedDatabase {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** Stops serving, closes PGlite (flushing to disk) and releases the lock. Safe to call twice. */
  stop(): Promise<void>;
}

const LOCK_FILE = 'salvage-embedded.lock';

/** Starts PGlite on `dataDir` (created, and initialised, when missing) and serves it on a free port. */
export async function startEmbedded(dataDir: string): Promise<EmbeddedDatabase> {
  const directory = resolve(dataDir);
  await mkdir(directory, { recursive: true });
  const releaseLock = await lockDirectory(directory);

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await PGlite.create(directory);
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
    await server.start();
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    await releaseLock();
    throw new Error(`could not start the embedded PostgreSQL (PGlite) in ${directory}: ${errorMessage(error)}`);
  }

  const port = portOf(server.getServerConn());
  const runningServer = server;
  const runningDb = db;
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      stopping ??= (async () => {
        try {
          await runningServer.stop();
          await runningDb.close();
        } finally {
          await releaseLock();
        }
      })();
      return stopping;
    },
  };
}

/** `127.0.0.1:54321` -> 54321; the server reports the port the OS picked. */
function portOf(serverConn: string): number {
  const port = Number(serverConn.slice(serverConn.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`pglite-socket reported an unexpected address ${serverConn}`);
  return port;
}

/**
 * Takes the directory's lock file, or fails naming the process that holds it.
 * A lock left behind by a process that no longer exists is taken over.
 */
export async function lockDirectory(directory: string): Promise<() => Promise<void>> {
  const lockPath = join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return async () => {
        await unlink(lockPath).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && processExists(holder)) {
      const who = holder === process.pid ? 'this process' : `process ${holder}`;
      throw new Error(`the embedded database in ${directory} is already open (by ${who}); PGlite allows one user at a time (lock file ${lockPath})`);
    }
    await unlink(lockPath).catch(() => undefined); // stale: its process is gone
  }
  throw new Error(`could not take the lock file ${lockPath}`);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
