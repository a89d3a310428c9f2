import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { startEmbedded } from '../../src/db/embedded.js';
import { buildPatch } from '../../src/patch/patch.js';
import { hostileChangeset } from '../support/hostile-changeset.js';
import { accountsChangeset, newKeyAccount, withAccountKeyGenerator } from '../support/accounts-changeset.js';
import { writePatchDir } from '../support/patch-dir.js';
import { tempJobDir } from '../support/flow.js';

/** Runs `fn` with a client of the embedded database in `dir`, then stops it (it takes one connection at a time). */
async function withEmbedded<T>(dir: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const embedded = await startEmbedded(dir);
  const client = new pg.Client({ connectionString: embedded.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
    await embedded.stop();
  }
}

describe('a staged patch on the embedded database', () => {
  it('goes in through VALUES lists into the same typed staging tables, since COPY data cannot cross its socket', async () => {
    const job = await tempJobDir('staged-embedded');
    const embeddedDir = path.join(job, 'embedded');
    const read = 'SELECT id::text, "Customer Name", "select", amount::text, at::text, note FROM "Shop ""EU"""."order" ORDER BY id';
    const before = await withEmbedded(embeddedDir, async (client) => {
      await client.query('CREATE SCHEMA "Shop ""EU"""');
      await client.query(
        'CREATE TABLE "Shop ""EU"""."order" (id bigserial PRIMARY KEY, "Customer Name" text NOT NULL, "select" text, amount numeric(14,2), at timestamptz, note text DEFAULT \'(none)\')',
      );
      await client.query('INSERT INTO "Shop ""EU"""."order" (id, "Customer Name") VALUES (1, \'Existing\')');
      return (await client.query(read)).rows;
    });

    const built = buildPatch(hostileChangeset(), 'ab'.repeat(32), undefined, undefined, { stageAbove: 0, stageChunk: 1000 });
    expect(built.patchSql).toContain('COPY "pg_temp"."salvage_rows_1"');
    const patchDir = await writePatchDir(job, built);

    const result = await apply({ patchDir, target: { embeddedDir }, confirm: 'postgres' });
    expect(result.rows).toEqual({ '"Shop ""EU""".order': { insert: 2, sequence: 1, update: 1 } });
    const after = await withEmbedded(embeddedDir, async (client) => (await client.query(read)).rows);
    expect(after).toEqual([
      { id: '1', 'Customer Name': 'Existing', select: 'it\'s "new"', amount: null, at: null, note: '(none)' },
      { id: '5', 'Customer Name': "Siobhán O'Brien", select: 'back\\slash; DROP TABLE x; --', amount: '0.30', at: '2026-03-29 01:30:00+00', note: '(none)' },
      { id: '6', 'Customer Name': 'Zoë "Zo" 🚣\u200d♀️ Ødegård', select: '$$;$x$', amount: '-12345678901.99', at: '2026-10-25 00:30:00+00', note: '(none)' },
    ]);

    await apply({ patchDir, target: { embeddedDir }, confirm: 'postgres', which: 'undo' });
    expect(await withEmbedded(embeddedDir, async (client) => (await client.query(read)).rows)).toEqual(before);
  }, 60_000);
  it('makes the keys of staged new rows in the embedded target too, one statement per block, and undo removes them', async () => {
    const job = await tempJobDir('staged-embedded-keys');
    const embeddedDir = path.join(job, 'embedded');
    const read = 'SELECT id::text, email, note FROM accounts ORDER BY id';
    const before = await withEmbedded(embeddedDir, async (client) => {
      await client.query("CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, plan text NOT NULL, note text); INSERT INTO accounts (email, plan) VALUES ('live@x', 'free')");
      return (await client.query(read)).rows;
    });
    const emails = ["O'Brien\t\\@x", 'line\nbreak@x', 'emoji 🚣‍♀️@x', '\\N@x'];
    const cs = accountsChangeset(emails.map((email, n) => newKeyAccount(`new-${n}`, email, { note: email })));
    withAccountKeyGenerator(cs);
    const built = buildPatch(cs, 'ab'.repeat(32), undefined, undefined, { stageAbove: 0, stageChunk: 2 });
    expect(built.patchSql.match(/^WITH "k id" AS \($/gm)).toHaveLength(2);
    const patchDir = await writePatchDir(job, built);

    const result = await apply({ patchDir, target: { embeddedDir }, confirm: 'postgres' });
    expect(result.rows).toEqual({ 'public.accounts': { insert: emails.length } });
    const after = await withEmbedded(embeddedDir, async (client) => (await client.query(read)).rows);
    // Keys after the live row's, in COPY order.
    expect(after).toEqual([...before, ...emails.map((email, i) => ({ id: String(2 + i), email, note: email }))]);

    await apply({ patchDir, target: { embeddedDir }, confirm: 'postgres', which: 'undo' });
    expect(await withEmbedded(embeddedDir, async (client) => (await client.query(read)).rows)).toEqual(before);
  }, 60_000);
});
