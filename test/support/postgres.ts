import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '../../src/sql/database.js';

/**
 * Fresh, throw-away databases on the machine's PostgreSQL (127.0.0.1:5432 unless
 * SALVAGE_TEST_PG_URL says otherwise). A test never touches a database it did not
 * create. When SALVAGE_REQUIRE_SERVICES=1 (CI), a missing server is a failure,
 * never a skip.
 */
export const ADMIN_URL = process.env.SALVAGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const servicesRequired = process.env.SALVAGE_REQUIRE_SERVICES === '1';

export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (servicesRequired) throw new Error(`PostgreSQL is required (SALVAGE_REQUIRE_SERVICES=1) but ${ADMIN_URL} is unreachable: ${String(error)}`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database named salvage_test_<random>; drop() removes it. */
export async function createTestDatabase(label = 't'): Promise<TestDatabase> {
  const name = `salvage_test_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(createDatabase(name));
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(dropDatabase(name));
      } finally {
        await c.end();
      }
    },
  };
}

/** Runs SQL on a database and closes the connection. */
export async function runSql(url: string, sql: string): Promise<pg.QueryResult[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
    return Array.isArray(result) ? result : [result];
  } finally {
    await client.end();
  }
}
