import { inspect } from 'node:util';
import Cursor from 'pg-cursor';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectDatabase, DatabaseConnectionError, type DbHandle } from '../../src/db/connect.js';
import { sessionSetupStatements } from '../../src/sql/session.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const available = await postgresAvailable();

/** host:port of a test database URL, as describe shows it. */
function hostPort(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port === '' ? '5432' : parsed.port}`;
}

/** Everything a thrown error could show: message, stack, and what console.log would print. */
async function everythingShownBy(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected the connection to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatabaseConnectionError);
  const e = error as Error;
  return [e.message, e.stack ?? '', String(e), inspect(e, { depth: 10, showHidden: true })].join('\n');
}

describe('session statements', () => {
  test('are exactly the settings salvage relies on; read-only is always explicit', () => {
    expect(sessionSetupStatements({ readOnly: true })).toEqual([
      "SET TimeZone = 'UTC'",
      "SET DateStyle = 'ISO, YMD'",
      "SET IntervalStyle = 'iso_8601'",
      'SET standard_conforming_strings = on',
      'SET extra_float_digits = 3',
      'SET default_transaction_read_only = on',
    ]);
    expect(sessionSetupStatements({ readOnly: false }).at(-1)).toBe('SET default_transaction_read_only = off');
  });
});

describe('connectDatabase without a server', () => {
  test('a connection failure names the target and the reason, never the password', async () => {
    const shown = await everythingShownBy(connectDatabase({ url: 'postgres://postgres:S3cret-p%40ss@127.0.0.1:1/backup' }));
    expect(shown).toContain('could not connect to 127.0.0.1:1/backup');
    expect(shown).toContain('ECONNREFUSED');
    for (const secretForm of ['S3cret', 'S3cret-p@ss', 'S3cret-p%40ss']) expect(shown).not.toContain(secretForm);
  });

  test('a password given as a query parameter does not leak either', async () => {
    const shown = await everythingShownBy(connectDatabase({ url: 'postgresql://postgres@127.0.0.1:1/backup?password=Hunter2Hunter2' }));
    expect(shown).toContain('127.0.0.1:1/backup');
    expect(shown).not.toContain('Hunter2');
  });

  test('a malformed URL is refused without being echoed', async () => {
    const shown = await everythingShownBy(connectDatabase({ url: 'postgres://user:Pa55word@[bad/db' }));
    expect(shown).toContain('not a valid URL');
    expect(shown).not.toContain('Pa55word');
    await expect(connectDatabase({ url: 'mysql://root:Pa55word@127.0.0.1/db' })).rejects.toThrow(/must start with postgres:\/\//);
  });

  test('without a URL, an embedded directory is required', async () => {
    await expect(connectDatabase({})).rejects.toThrow(/no database URL and no embedded database directory/);
  });
});

describe.runIf(available)('connectDatabase on PostgreSQL 15', () => {
  let testDb: TestDatabase;
  let handle: DbHandle;

  beforeAll(async () => {
    testDb = await createTestDatabase('connect');
    handle = await connectDatabase({ url: testDb.url });
    await handle.client.query(`
      CREATE TABLE sample (
        id bigint PRIMARY KEY,
        total numeric(10,2),
        at timestamptz,
        day date,
        paid boolean,
        details jsonb,
        code char(3),
        ratio float8,
        took interval,
        tags integer[],
        nothing text
      );
      INSERT INTO sample VALUES (
        9007199254740993, 45, '2026-03-01 11:00:00+01', '2026-03-01', true,
        '{"b": [1, 2], "a": 1}', 'EU', 0.1, '1 day 2 hours', '{1,2,3}', NULL
      );
    `);
  });

  afterAll(async () => {
    await handle?.close();
    await testDb?.drop();
  });

  test('describe and database name the target without secrets', async () => {
    expect(handle.database).toBe(testDb.name);
    expect(handle.describe).toBe(`${hostPort(testDb.url)}/${testDb.name}`);
    const withPassword = await connectDatabase({ url: testDb.url.replace('postgres@', 'postgres:NotShown@') });
    try {
      expect(withPassword.describe).toBe(`${hostPort(testDb.url)}/${testDb.name}`);
    } finally {
      await withPassword.close();
    }
  });

  test('every value comes back in the server text form, null as null', async () => {
    const { rows } = await handle.client.query('SELECT * FROM sample');
    expect(rows).toEqual([
      {
        id: '9007199254740993',
        total: '45.00',
        at: '2026-03-01 10:00:00+00',
        day: '2026-03-01',
        paid: 't',
        details: '{"a": 1, "b": [1, 2]}',
        code: 'EU ',
        ratio: '0.1',
        took: 'P1DT2H',
        tags: '{1,2,3}',
        nothing: null,
      },
    ]);
  });

  test('the text form holds even when the database defaults to another zone and date style', async () => {
    const other = await createTestDatabase('connect_zone');
    try {
      const admin = await connectDatabase({ url: other.url });
      await admin.client.query(`ALTER DATABASE "${other.name}" SET TimeZone = 'America/New_York'`);
      await admin.client.query(`ALTER DATABASE "${other.name}" SET DateStyle = 'SQL, DMY'`);
      await admin.close();
      const zoned = await connectDatabase({ url: other.url });
      try {
        const { rows } = await zoned.client.query("SELECT '2026-03-01 10:00:00+00'::timestamptz AS at, '2026-03-01'::date AS day");
        expect(rows).toEqual([{ at: '2026-03-01 10:00:00+00', day: '2026-03-01' }]);
      } finally {
        await zoned.close();
      }
    } finally {
      await other.drop();
    }
  });

  test('session settings are in place', async () => {
    const { rows } = await handle.client.query(`SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds,
      current_setting('IntervalStyle') AS ivs, current_setting('standard_conforming_strings') AS scs,
      current_setting('extra_float_digits') AS efd, current_setting('default_transaction_read_only') AS ro,
      current_setting('application_name') AS app`);
    expect(rows).toEqual([{ tz: 'UTC', ds: 'ISO, YMD', ivs: 'iso_8601', scs: 'on', efd: '3', ro: 'off', app: 'salvage' }]);
  });

  test('applicationName is passed on', async () => {
    const named = await connectDatabase({ url: testDb.url, applicationName: 'salvage reconcile' });
    try {
      const { rows } = await named.client.query("SELECT current_setting('application_name') AS app");
      expect(rows).toEqual([{ app: 'salvage reconcile' }]);
    } finally {
      await named.close();
    }
  });

  test('pg-cursor on a handle reads text too', async () => {
    const cursor = handle.client.query(new Cursor('SELECT id, total, paid FROM sample'));
    try {
      const rows = await cursor.read(10);
      expect(rows).toEqual([{ id: '9007199254740993', total: '45.00', paid: 't' }]);
    } finally {
      await cursor.close();
    }
  });

  test('a read-only handle refuses writes, also inside an explicit transaction', async () => {
    const readOnly = await connectDatabase({ url: testDb.url, readOnly: true });
    try {
      await expect(readOnly.client.query("UPDATE sample SET total = 0")).rejects.toThrow(/read-only transaction/);
      await expect(readOnly.client.query('CREATE TABLE intruder (x int)')).rejects.toThrow(/read-only transaction/);
      await readOnly.client.query('BEGIN');
      await expect(readOnly.client.query("INSERT INTO sample (id) VALUES (1)")).rejects.toThrow(/read-only transaction/);
      await readOnly.client.query('ROLLBACK');
      // Reading is fine.
      const { rows } = await readOnly.client.query('SELECT total FROM sample');
      expect(rows).toEqual([{ total: '45.00' }]);
    } finally {
      await readOnly.close();
    }
    const { rows } = await handle.client.query('SELECT count(*) AS n, min(total) AS total FROM sample');
    expect(rows).toEqual([{ n: '1', total: '45.00' }]);
  });

  test('close can be called twice', async () => {
    const extra = await connectDatabase({ url: testDb.url });
    await extra.close();
    await extra.close();
  });

  test('a server-side refusal is reported with the target, without the password', async () => {
    const url = new URL(testDb.url);
    url.password = 'Secret-Pw-42';
    url.pathname = '/no_such_database_for_salvage';
    const shown = await everythingShownBy(connectDatabase({ url: url.toString() }));
    expect(shown).toContain(`could not connect to ${hostPort(testDb.url)}/no_such_database_for_salvage`);
    expect(shown).toContain('does not exist');
    expect(shown).not.toContain('Secret-Pw-42');
  });
});
