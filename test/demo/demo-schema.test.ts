import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionSetupSql } from '../../src/sql/session.js';
import {
  DEMO_INSERT_BATCH,
  DEMO_SCHEMA_SQL,
  DEMO_TABLES,
  demoLoadStatements,
  demoSelectTable,
  demoSetSequenceStatement,
} from '../../src/sql/demo-schema.js';
import { generateIncident, type IncidentRows } from '../../src/demo/incident.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const tiny: IncidentRows = {
  customers: [{ id: '1', email: "o'brien@example.org", full_name: 'Back\\slash "Zo"', phone: null, created_at: '2026-03-02 14:02:00+00' }],
  bookings: [],
  payments: [],
  refunds: [],
};

describe('demo schema SQL text', () => {
  it('loads rows with explicit ids through quoteIdent and literal, then moves every sequence', () => {
    expect(demoLoadStatements(tiny)).toEqual([
      `INSERT INTO "public"."customers" ("id", "email", "full_name", "phone", "created_at") VALUES\n` +
        `('1', 'o''brien@example.org', 'Back\\slash "Zo"', NULL, '2026-03-02 14:02:00+00')`,
      ...DEMO_TABLES.map(demoSetSequenceStatement),
    ]);
    expect(demoSetSequenceStatement('bookings')).toBe(
      `SELECT setval(pg_get_serial_sequence('"public"."bookings"', 'id'), COALESCE((SELECT max("id") FROM "public"."bookings"), 0) + 1, false)`,
    );
  });

  it('splits a table into INSERTs of at most 500 rows, parents first', () => {
    const statements = demoLoadStatements(generateIncident().backup);
    const inserts = statements.filter((s) => s.startsWith('INSERT'));
    for (const insert of inserts) expect(insert.split('\n').length - 1).toBeLessThanOrEqual(DEMO_INSERT_BATCH);
    expect(inserts.map((s) => /INTO "public"\."(\w+)"/.exec(s)?.[1])).toEqual(['customers', 'bookings', 'bookings', 'payments', 'payments', 'refunds']);
  });

  it('reads a table back as text, in id order', () => {
    expect(demoSelectTable('refunds')).toBe(
      'SELECT "id"::text AS "id", "payment_id"::text AS "payment_id", "stripe_refund_id"::text AS "stripe_refund_id", ' +
        '"amount"::text AS "amount", "refunded_at"::text AS "refunded_at" FROM "public"."refunds" ORDER BY "public"."refunds"."id"',
    );
  });
});

const available = await postgresAvailable();

describe.skipIf(!available)('demo schema on PostgreSQL', () => {
  const incident = generateIncident();
  const databases: TestDatabase[] = [];

  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  /** Loads rows into a fresh database and hands back a connected session (TimeZone=UTC). */
  async function loaded(rows: IncidentRows): Promise<pg.Client> {
    const database = await createTestDatabase('demo');
    databases.push(database);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(sessionSetupSql({ readOnly: false }));
    await client.query(DEMO_SCHEMA_SQL);
    for (const statement of demoLoadStatements(rows)) await client.query(statement);
    return client;
  }

  async function readBack(client: pg.Client): Promise<IncidentRows> {
    const rows = { customers: [], bookings: [], payments: [], refunds: [] } as IncidentRows;
    for (const table of DEMO_TABLES) rows[table] = (await client.query(demoSelectTable(table))).rows;
    return rows;
  }

  it('loads the backup and reads back exactly incident.backup', async () => {
    const client = await loaded(incident.backup);
    try {
      expect(await readBack(client)).toEqual(incident.backup);
      // The sequences continue after the loaded ids, so a recovery's new rows get fresh ones.
      const next = await client.query(`INSERT INTO customers (email, full_name, created_at) VALUES ('new@example.org', 'New', now()) RETURNING id::text AS id`);
      expect(next.rows[0]?.id).toBe(String(incident.backup.customers.length + 1));
    } finally {
      await client.end();
    }
  });

  it('round-trips production too, hostile names and all', async () => {
    const client = await loaded(incident.production);
    try {
      expect(await readBack(client)).toEqual(incident.production);
    } finally {
      await client.end();
    }
  });
});
