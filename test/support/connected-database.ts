import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface ConnectedDatabase {
  readonly url: string;
  /** The database's name, as `--confirm` and GRANTs want it. */
  readonly name: string;
  readonly client: pg.Client;
}

/**
 * A throw-away database and one open client on it, for the describe block this is called
 * in: created before its first test (then `setup` runs, once), `beforeEachTest` run
 * before each test, the client closed and the database dropped after the last. Read
 * its fields inside hooks and tests only: they exist once the block starts.
 */
export function connectedDatabase(
  label: string,
  hooks: { setup?: (client: pg.Client) => Promise<unknown>; beforeEachTest?: (client: pg.Client) => Promise<unknown> } = {},
): ConnectedDatabase {
  let db: TestDatabase | undefined;
  let client: pg.Client | undefined;
  const created = (): TestDatabase => db ?? missing('test database');
  const fixture: ConnectedDatabase = {
    get url() {
      return created().url;
    },
    get name() {
      return created().name;
    },
    get client() {
      return client ?? missing('client');
    },
  };
  beforeAll(async () => {
    db = await createTestDatabase(label);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await hooks.setup?.(client);
  });
  if (hooks.beforeEachTest) {
    const each = hooks.beforeEachTest;
    beforeEach(() => each(fixture.client));
  }
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });
  return fixture;

  function missing(what: string): never {
    throw new Error(`the ${what} of ${label} exists only inside the tests and hooks of its describe block`);
  }
}
