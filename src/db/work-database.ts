import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { from as copyFrom } from 'pg-copy-streams';
import { connectDatabase, type DbHandle } from './connect.js';
import { lockDirectory } from './embedded.js';
import { createWorkSchema, dropWorkSchema, workSchemaName } from '../sql/work-scan.js';

/**
 * The database reconcile does its set work in: staged keys and fingerprints, joins,
 * grouping. By default the job's own embedded PostgreSQL (PGlite in this process, in
 * <job>/embedded/work), or any PostgreSQL given by URL (`work: { url }`) for a large job.
 * Everything salvage makes there is in one schema of the run's own, dropped at close.
 *
 * PGlite is used in process rather than through its socket server, because the socket
 * cannot carry COPY data: in process, COPY reads a blob handed with the query.
 */
export interface WorkDatabase {
  /** The schema of this run's tables (salvage_work_<token>). */
  readonly schema: string;
  /** For messages: host:port/db, or the embedded directory; never a password. */
  readonly describe: string;
  /** How COPY data reaches this database: as STDIN (a server) or as a blob (PGlite). */
  readonly copyFrom: 'stdin' | 'blob';
  /** Runs statements (several may be separated by semicolons); no result. */
  exec(sql: string): Promise<void>;
  /** One statement's rows, every value as text (or null). */
  rows(sql: string): Promise<Array<Record<string, string | null>>>;
  /** One COPY statement (from copyIntoScanTable) with its data lines. */
  copy(statement: string, lines: string[]): Promise<void>;
  /** Drops the run's schema and closes. Safe to call twice. */
  close(): Promise<void>;
}

export interface WorkDatabaseOptions {
  /** A PostgreSQL server's URL; without it, PGlite in `embeddedDir`. */
  url?: string;
  embeddedDir: string;
}

export async function openWorkDatabase(options: WorkDatabaseOptions): Promise<WorkDatabase> {
  const schema = workSchemaName(randomBytes(6).toString('hex'));
  const work = options.url !== undefined ? await onServer(options.url, schema) : await embedded(options.embeddedDir, schema);
  try {
    await work.exec(createWorkSchema(schema));
  } catch (error) {
    await work.close();
    throw error;
  }
  return work;
}

async function onServer(url: string, schema: string): Promise<WorkDatabase> {
  const db: DbHandle = await connectDatabase({ url, applicationName: 'salvage reconcile (work)' });
  let closing: Promise<void> | undefined;
  return {
    schema,
    describe: db.describe,
    copyFrom: 'stdin',
    async exec(sql) {
      await db.client.query(sql);
    },
    async rows(sql) {
      return (await db.client.query<Record<string, string | null>>(sql)).rows;
    },
    async copy(statement, lines) {
      const stream = db.client.query(copyFrom(statement));
      stream.end(lines.length ? `${lines.join('\n')}\n` : '');
      await finished(stream);
    },
    close() {
      closing ??= db.client
        .query(dropWorkSchema(schema))
        .then(() => undefined, () => undefined)
        .finally(() => db.close());
      return closing;
    },
  };
}

async function embedded(dir: string, schema: string): Promise<WorkDatabase> {
  await mkdir(dir, { recursive: true });
  // PGlite does not lock its directory itself; two runs in one job would corrupt it.
  const release = await lockDirectory(dir);
  const db = await PGlite.create(dir).catch(async (error: unknown) => {
    await release();
    throw error;
  });
  let closing: Promise<void> | undefined;
  const asText = (rows: unknown[]) => rows as Array<Record<string, string | null>>;
  return {
    schema,
    describe: `embedded work database (${dir})`,
    copyFrom: 'blob',
    async exec(sql) {
      await db.exec(sql);
    },
    async rows(sql) {
      return asText((await db.query(sql)).rows);
    },
    async copy(statement, lines) {
      await db.query(statement, [], { blob: new Blob([lines.length ? `${lines.join('\n')}\n` : '']) });
    },
    close() {
      closing ??= db
        .exec(dropWorkSchema(schema))
        .then(() => undefined, () => undefined)
        .finally(() => db.close().finally(release));
      return closing;
    },
  };
}
