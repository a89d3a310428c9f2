import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, runSql, type TestDatabase } from './postgres.js';

export interface SeededDatabase {
  readonly url: string;
  readonly name: string;
}

/**
 * A throw-away database holding `sql` (a schema, its rows), for the describe block this
 * is called in: created and filled before its first test (and before the block's own
 * beforeAll, which runs after this one), dropped after its last. Read its fields inside
 * hooks and tests only.
 */
export function seededDatabase(label: string, sql: string): SeededDatabase {
  let db: TestDatabase | undefined;
  const created = (): TestDatabase => {
    if (!db) throw new Error(`the test database ${label} exists only inside the tests and hooks of its describe block`);
    return db;
  };
  beforeAll(async () => {
    db = await createTestDatabase(label);
    await runSql(db.url, sql);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get url() {
      return created().url;
    },
    get name() {
      return created().name;
    },
  };
}
