import pg from 'pg';
import { sessionSetupSql } from '../sql/session.js';
import { startEmbedded, type EmbeddedDatabase } from './embedded.js';
import { redactSecrets, secretsOfUrl } from './redact.js';
import { SalvageError } from '../errors.js';

/** An open connection, and how to name it in messages. */
export interface DbHandle {
  client: pg.Client;
  /** current database name */
  database: string;
  /** Safe label for messages: host:port/dbname (plus the directory for an embedded database), never a password. */
  describe: string;
  /** Ends the connection (and stops the embedded database if this handle started one). Safe to call twice. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** postgres:// or postgresql:// URL. Without it, an embedded PGlite is started on `embeddedDir`. */
  url?: string;
  /** Directory of the embedded database; required when `url` is absent. */
  embeddedDir?: string;
  /** Every transaction of the session is READ ONLY (for the backup, which must never be written). */
  readOnly?: boolean;
  /** Shown in pg_stat_activity; default `salvage`. (PGlite ignores it.) */
  applicationName?: string;
}

/** Thrown when a connection cannot be opened or set up (exit 1). The message never holds a password. */
export class DatabaseConnectionError extends SalvageError {}

/**
 * Every column value comes back as the server's text form (or null): no Date,
 * number, boolean or parsed JSON, so salvage compares exactly what the database
 * holds (`45.00` stays `45.00`, a timestamptz keeps its microseconds, a bigint
 * its digits). Set on each client, never on the global pg.types, which other
 * code in the same process may rely on. pg-cursor queries on such a client use
 * it too (the client hands its parsers to any submitted query without its own).
 */
export const TEXT_TYPES: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as pg.CustomTypesConfig['getTypeParser'],
};

const CONNECT_TIMEOUT_MS = 10_000;

export async function connectDatabase(options: ConnectOptions): Promise<DbHandle> {
  if (options.url !== undefined) return connectToUrl(options.url, options, undefined);
  if (options.embeddedDir === undefined) {
    throw new DatabaseConnectionError('no database URL and no embedded database directory given');
  }
  let embedded: EmbeddedDatabase;
  try {
    embedded = await startEmbedded(options.embeddedDir);
  } catch (error) {
    // Same error type as any other connection failure, so callers handle one kind.
    throw new DatabaseConnectionError(reasonOf(error));
  }
  try {
    return await connectToUrl(embedded.url, options, embedded, options.embeddedDir);
  } catch (error) {
    await embedded.stop().catch(() => undefined);
    throw error;
  }
}

async function connectToUrl(
  url: string,
  options: ConnectOptions,
  embedded: EmbeddedDatabase | undefined,
  embeddedDir?: string,
): Promise<DbHandle> {
  const secrets = checkedUrlSecrets(url);
  const client = new pg.Client({
    connectionString: url,
    types: TEXT_TYPES,
    application_name: options.applicationName ?? 'salvage',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  const database = client.database ?? client.user ?? 'postgres';
  const address = `${client.host.includes(':') ? `[${client.host}]` : client.host}:${client.port}/${database}`;
  const describe = embeddedDir === undefined ? address : `${address} (embedded, ${embeddedDir})`;

  // Without a listener, an 'error' event (server restarted, connection cut while
  // idle) would crash the process. The next query on the client fails anyway,
  // with its own error, so noting it here is enough.
  client.on('error', () => undefined);

  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DatabaseConnectionError(`could not connect to ${describe}: ${redactSecrets(reasonOf(error), secrets)}`);
  }
  try {
    await client.query(sessionSetupSql({ readOnly: options.readOnly ?? false }));
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DatabaseConnectionError(`connected to ${describe} but could not set up the session: ${redactSecrets(reasonOf(error), secrets)}`);
  }

  let closing: Promise<void> | undefined;
  return {
    client,
    database,
    describe,
    close() {
      closing ??= (async () => {
        try {
          await client.end();
        } catch {
          // Already broken or ended: nothing left to close.
        } finally {
          await embedded?.stop();
        }
      })();
      return closing;
    },
  };
}

/** Refuses a malformed URL without echoing it (it may hold a password), and returns its secrets. */
function checkedUrlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseConnectionError('the database URL is not a valid URL (not shown here, as it may contain a password)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseConnectionError(`the database URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  return secretsOfUrl(parsed);
}

/**
 * A readable reason. Connection refusals on Node 20 may arrive as an
 * AggregateError with an empty message (one attempt per address of a host
 * name), so the inner errors and the code are used when the message is empty.
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner: unknown) => reasonOf(inner)).join('; ');
  }
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.name;
}
