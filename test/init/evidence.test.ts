import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogTable } from '../../src/db/catalog-types.js';
import { readCatalog } from '../../src/db/catalog.js';
import { sampleColumns } from '../../src/init/column-samples.js';
import { classifyColumn } from '../../src/init/concepts.js';
import { samplePulledRecords } from '../../src/init/pulled-records.js';
import { recordPaths } from '../../src/init/record-paths.js';
import { columnValues } from '../../src/init/value-match.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { columnSampleQuery } from '../../src/sql/init-queries.js';
import { tempJobDir } from '../support/flow.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const pgUp = await postgresAvailable();
const col = (typeName: string, type = typeName) => ({ typeName, type });

describe('matching a record value with the values a column holds', () => {
  it('text: the same text, an email in any case or with a display name around it, a uuid in any case', () => {
    const emails = columnValues(col('text'), ['ada@example.com', "o'brien@x.test"]);
    expect(emails.find('ada@example.com')).toBe('exact');
    expect(emails.find('Ada@Example.COM')).toBe('case');
    expect(emails.find('Ada L <ADA@example.com>')).toBe('case');
    expect(emails.find("O'Brien@X.test")).toBe('case');
    expect(emails.find('bob@example.com')).toBeUndefined();
    expect(emails.find(null)).toBeUndefined();
    const ids = columnValues(col('uuid'), ['6f1c2a3e-0000-4000-8000-00000000abcd']);
    expect(ids.find('6F1C2A3E-0000-4000-8000-00000000ABCD')).toBe('case');
  });

  it('amounts: as numbers to the cent, and cents against major units either way', () => {
    const decimal = columnValues(col('numeric', 'numeric(10,2)'), ['450.00', '12.50']);
    expect(decimal.find('450')).toBe('exact');
    expect(decimal.find(12.5)).toBe('exact');
    expect(decimal.find(45000)).toBe('cents');
    expect(decimal.find(1250)).toBe('cents');
    expect(decimal.find('45 000')).toBeUndefined();
    const cents = columnValues(col('int4', 'integer'), ['6500']);
    expect(cents.find(6500)).toBe('exact');
    expect(cents.find('65.00')).toBe('decimal');
  });

  it('times: the same instant in any zone or as unix seconds, to the column\'s precision', () => {
    const micro = columnValues(col('timestamptz', 'timestamp with time zone'), ['2026-01-19 23:52:10.5+00']);
    expect(micro.find('2026-01-20T00:52:10.500+01:00')).toBe('time');
    expect(micro.find('2026-01-19T23:52:10Z')).toBeUndefined();
    const seconds = columnValues(col('timestamptz', 'timestamp(0) with time zone'), ['2026-01-19 23:52:10+00']);
    expect(seconds.find('2026-01-19T23:52:10.400Z')).toBe('time');
    expect(seconds.find(1768866730)).toBe('time');
    expect(seconds.find('2026-01-19T23:52:17Z')).toBeUndefined();
    const days = columnValues(col('date'), ['1979-11-02']);
    expect(days.find('1979-11-02')).toBe('exact');
    expect(days.find('1979-11-02T10:00:00Z')).toBe('date');
  });
});

describe('the paths a sample of records carries', () => {
  it('names every short leaf by the path a rule reads it with', () => {
    const record: SourceRecord = {
      source: 's', type: 't', id: '1', ref: 'x', observedAt: '2026-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z',
      data: { attendees: [{ email: 'a@x.test' }, { email: 'b@x.test' }, { email: 'c@x.test' }], 'Customer Email': 'd@x.test', n: 5, long: 'x'.repeat(300), nested: { deeper: { deepest: { leaf: { gone: 'y' } } } } },
    };
    const paths = recordPaths([record]);
    expect([...paths.keys()].sort()).toEqual(['createdAt', 'data.attendees[0].email', 'data.attendees[1].email', 'data.n', 'data["Customer Email"]']);
  });
});

describe('a bounded sample of a pulled records file', () => {
  it('keeps at most so many records of each type, spread over the file, the same every time', async () => {
    const dir = await tempJobDir('pulled-sample');
    const file = path.join(dir, 'stripe.ndjson');
    const lines = [];
    for (let i = 0; i < 1000; i++) lines.push(JSON.stringify({ source: 'stripe', type: i % 10 === 0 ? 'stripe.refund' : 'stripe.charge', id: `x${i}`, ref: `stripe:x${i}`, observedAt: '2026-01-01T00:00:00Z', data: { i } }));
    await writeFile(file, `${lines.join('\n')}\n`);
    const sample = await samplePulledRecords(file, 50);
    const charges = sample?.filter((r) => r.type === 'stripe.charge') ?? [];
    expect(charges).toHaveLength(50);
    expect(sample?.filter((r) => r.type === 'stripe.refund')).toHaveLength(50);
    // Not just the first fifty: records from the whole file.
    expect(Math.max(...charges.map((r) => r.data['i'] as number))).toBeGreaterThan(500);
    expect((await samplePulledRecords(file, 50))?.map((r) => r.id)).toEqual(sample?.map((r) => r.id));
    expect(await samplePulledRecords(path.join(dir, 'never-pulled.ndjson'), 50)).toBeUndefined();
  });
});

describe('the column sample query', () => {
  const table = { schema: 'sales "eu"', name: "O'Brien\\orders" };
  it('quotes every name and takes the row count as a parameter', () => {
    expect(columnSampleQuery(table, ['select', 'e "mail"'], 'created at')).toBe(
      `SELECT "select"::text AS "v_0", "e ""mail"""::text AS "v_1" FROM "sales ""eu"""."O'Brien\\orders" ORDER BY "created at" DESC NULLS LAST LIMIT $1`,
    );
    expect(columnSampleQuery(table, ['select'], undefined)).toBe(`SELECT "select"::text AS "v_0" FROM "sales ""eu"""."O'Brien\\orders" LIMIT $1`);
  });

  describe.runIf(pgUp)('on PostgreSQL, with hostile names and values', () => {
    let db: TestDatabase;
    let client: pg.Client;
    beforeAll(async () => {
      db = await createTestDatabase('init_column_sample');
      client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query(`CREATE SCHEMA "sales ""eu"""`);
      await client.query(`CREATE TABLE "sales ""eu"""."O'Brien\\orders" (id serial PRIMARY KEY, "select" text, "e ""mail""" text, "created at" timestamptz, doc jsonb)`);
      await client.query(
        `INSERT INTO "sales ""eu"""."O'Brien\\orders" ("select", "e ""mail""", "created at", doc) VALUES ($1, $2, '2026-01-01 10:00+00', '{}'), ($3, $4, '2026-01-02 10:00+00', '{}'), ('old', NULL, '2025-01-01 10:00+00', '{}')`,
        ["O'Brien \\ 🦀", 'Ada <ADA@x.test>', 'quoted "x"', 'b@x.test'],
      );
    });
    afterAll(async () => {
      await client?.end();
      await db?.drop();
    });

    it('reads the newest rows first, within the bound, and indexes their values', async () => {
      const catalog = await readCatalog(client);
      const orders = catalog.tables.find((t) => t.name === "O'Brien\\orders") as CatalogTable;
      const result = await client.query(columnSampleQuery(orders, ['select'], 'created at'), [2]);
      expect(result.rows).toEqual([{ v_0: 'quoted "x"' }, { v_0: "O'Brien \\ 🦀" }]);
      const sample = await sampleColumns(client, orders, 'created at');
      expect(sample.rows).toBe(3);
      expect([...sample.columns.keys()]).toEqual(['id', 'select', 'e "mail"', 'created at']);
      expect(sample.columns.get('select')?.find("O'Brien \\ 🦀")).toBe('exact');
      expect(sample.columns.get('e "mail"')?.find('ada@x.test')).toBe('case');
      expect(sample.columns.get('created at')?.find('2026-01-02T11:00:00+01:00')).toBe('time');
    });
  });
});

describe('columns named for a Stripe object without the stripe_ prefix', () => {
  const table = (columns: string[], fk?: string): CatalogTable => ({
    schema: 'public', name: 'payments', primaryKey: ['id'], uniqueKeys: [], sequences: {},
    columns: ['id', ...columns].map((name) => ({ name, type: name === 'id' ? 'integer' : 'text', typeName: name === 'id' ? 'int4' : 'text', notNull: false, default: null, identity: null, generated: false })),
    foreignKeys: fk ? [{ columns: [fk], references: { schema: 'public', name: 'charges', columns: ['id'] } }] : [],
  }) as unknown as CatalogTable;

  it('hold that object\'s ids: charge_id, refund_id, payment_intent; not a bare subscription, nor a foreign key', () => {
    const t = table(['charge_id', 'refund_id', 'payment_intent', 'subscription']);
    const concept = (name: string, of = t) => classifyColumn(of.columns.find((c) => c.name === name) as CatalogTable['columns'][number], of);
    expect(concept('charge_id')).toEqual({ concept: 'stripeId', stripeObject: 'charge' });
    expect(concept('refund_id')).toEqual({ concept: 'stripeId', stripeObject: 'refund' });
    expect(concept('payment_intent')).toEqual({ concept: 'stripeId', stripeObject: 'payment_intent' });
    expect(concept('subscription')).toBeUndefined();
    const linked = table(['charge_id'], 'charge_id');
    expect(concept('charge_id', linked)?.concept).not.toBe('stripeId');
  });
});
