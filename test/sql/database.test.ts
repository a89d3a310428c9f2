import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT, createDatabase, dropDatabase } from '../../src/sql/database.js';
import { ADMIN_URL, postgresAvailable } from '../support/postgres.js';

const pgUp = await postgresAvailable();

describe('database statements of the bench and the test harness', () => {
  it('quote hostile names exactly', () => {
    expect(createDatabase('a"b')).toBe('CREATE DATABASE "a""b"');
    expect(createDatabase('x', 'select')).toBe('CREATE DATABASE "x" TEMPLATE "select"');
    expect(dropDatabase('a"b')).toBe('DROP DATABASE IF EXISTS "a""b" WITH (FORCE)');
    expect(() => createDatabase('nul\u0000')).toThrow(/NUL/);
  });

  it.runIf(pgUp)('PostgreSQL creates, copies and drops databases with such names', async () => {
    const name = `salvage_test_"select" O'Brien \\ 🦀 ${process.pid}`;
    const copy = `${name} copy`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(createDatabase(name));
      await admin.query(createDatabase(copy, name));
      const present = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname', [[name, copy]]);
      expect(present.rows.map((r) => r.datname)).toEqual([name, copy].sort());
      await admin.query(CHECKPOINT);
    } finally {
      await admin.query(dropDatabase(copy));
      await admin.query(dropDatabase(name));
      const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [[name, copy]]);
      await admin.end();
      expect(left.rowCount).toBe(0);
    }
  });
});
