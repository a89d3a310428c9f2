import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readCatalog } from '../../src/db/catalog.js';
import { connectDatabase } from '../../src/db/connect.js';
import { startEmbedded } from '../../src/db/embedded.js';
import { SHOP_TABLES } from './fixtures/shop-catalog.js';
import { SHOP_SCHEMA_SQL } from './fixtures/shop-schema.js';

// Three PGlite starts in all: one initdb (seconds), two reopens (a fraction of a second each).
// The tests run in order and share one data directory.
describe('embedded PostgreSQL (PGlite over pglite-socket)', () => {
  let parent: string;
  let dataDir: string;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'salvage-embedded-'));
    dataDir = join(parent, 'nested', 'pgdata'); // does not exist yet
  });

  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  test('starts on a new directory, serves pg, reads the catalog, and admits one client at a time', async () => {
    const startedAt = Date.now();
    const embedded = await startEmbedded(dataDir);
    const startMs = Date.now() - startedAt;
    try {
      expect(embedded.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
      expect(startMs).toBeLessThan(60_000);

      // The directory is locked while in use: a second PGlite on it would corrupt it.
      await expect(startEmbedded(dataDir)).rejects.toThrow(/already open \(by this process\)/);

      const handle = await connectDatabase({ url: embedded.url });
      try {
        const { rows: version } = await handle.client.query("SELECT current_setting('server_version_num') AS v");
        expect(Number(version[0]?.v)).toBeGreaterThanOrEqual(180000);

        await handle.client.query(SHOP_SCHEMA_SQL);
        await handle.client.query(`
          INSERT INTO customers (email, country, created_at) VALUES ('ann@example.com', 'NOR', '2026-03-01 11:00:00+01');
          INSERT INTO orders (customer_id, total, paid, details, placed_at)
            VALUES (1, 45, true, '{"b": [1, 2], "a": 1}', '2026-03-01 10:00:00+00');
          INSERT INTO "Order Items" (order_id, line, "select") VALUES (1, 1, 'kayak');
        `);

        // Same catalog as on PostgreSQL 15: the catalog queries work on both versions.
        expect(await readCatalog(handle.client)).toEqual({ database: 'postgres', tables: SHOP_TABLES });

        // A second connection while the first is open is dropped by the server at once.
        const second = new pg.Client({ connectionString: embedded.url, connectionTimeoutMillis: 5000 });
        second.on('error', () => undefined);
        await expect(second.connect()).rejects.toThrow(/Connection terminated unexpectedly/);
        await second.end().catch(() => undefined);

        // The first connection is unaffected.
        const { rows } = await handle.client.query('SELECT count(*) AS n FROM orders');
        expect(rows).toEqual([{ n: '1' }]);

        // Session settings outlive the connection (one shared backend); see the next block.
        await handle.client.query('SET default_transaction_read_only = on');
      } finally {
        await handle.close(); // ends the client only: this handle did not start the server
      }

      const raw = new pg.Client({ connectionString: embedded.url });
      await raw.connect();
      const leaked = await raw.query("SELECT current_setting('default_transaction_read_only') AS ro");
      await raw.end();
      expect(leaked.rows).toEqual([{ ro: 'on' }]);

      // ...which is why connectDatabase sets read-only explicitly, also to off.
      const writer = await connectDatabase({ url: embedded.url });
      try {
        await writer.client.query("INSERT INTO categories (name) VALUES ('boats')");
      } finally {
        await writer.close();
      }
    } finally {
      await embedded.stop();
      await embedded.stop(); // twice is fine
    }
    expect(existsSync(join(dataDir, 'salvage-embedded.lock'))).toBe(false);
    console.info(`PGlite first start (initdb) took ${startMs} ms`);
  });

  test('data persists across stop and start; a read-only handle cannot write', async () => {
    const startedAt = Date.now();
    const handle = await connectDatabase({ embeddedDir: dataDir, readOnly: true });
    const startMs = Date.now() - startedAt;
    try {
      expect(handle.database).toBe('postgres');
      expect(handle.describe).toMatch(/^127\.0\.0\.1:\d+\/postgres \(embedded, .*pgdata\)$/);

      const { rows } = await handle.client.query(`
        SELECT c.email, c.country, c.created_at, o.total, o.paid, o.details, o.placed_at, o.total_cents, i."select"
          FROM customers c JOIN orders o ON o.customer_id = c.id JOIN "Order Items" i ON i.order_id = o.id`);
      expect(rows).toEqual([
        {
          email: 'ann@example.com',
          country: 'NOR',
          created_at: '2026-03-01 10:00:00+00',
          total: '45.00',
          paid: 't',
          details: '{"a": 1, "b": [1, 2]}',
          placed_at: '2026-03-01 10:00:00+00',
          total_cents: '4500',
          select: 'kayak',
        },
      ]);
      const categories = await handle.client.query('SELECT name FROM categories');
      expect(categories.rows).toEqual([{ name: 'boats' }]);

      await expect(handle.client.query("INSERT INTO categories (name) VALUES ('nope')")).rejects.toThrow(/read-only transaction/);
      await expect(handle.client.query('DROP TABLE "we""ird"')).rejects.toThrow(/read-only transaction/);
    } finally {
      await handle.close(); // stops the embedded database this handle started
    }
    expect(existsSync(join(dataDir, 'salvage-embedded.lock'))).toBe(false);
    console.info(`PGlite reopen + connect took ${startMs} ms`);
  });

  test('a later read-write handle on the same directory can write again', async () => {
    const handle = await connectDatabase({ embeddedDir: dataDir });
    try {
      await handle.client.query("INSERT INTO categories (name) VALUES ('paddles')");
      const { rows } = await handle.client.query('SELECT name FROM categories ORDER BY id');
      expect(rows).toEqual([{ name: 'boats' }, { name: 'paddles' }]);
    } finally {
      await handle.close();
    }
  });
});
