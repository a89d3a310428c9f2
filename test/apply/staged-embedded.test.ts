import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { startEmbedded } from '../../src/db/embedded.js';
import { buildPatch } from '../../src/patch/patch.js';
import { hostileChangeset } from '../support/hostile-changeset.js';
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
    const patchDir = path.join(job, 'patch');
    await mkdir(patchDir);
    await writeFile(path.join(patchDir, 'patch.sql'), built.patchSql);
    await writeFile(path.join(patchDir, 'undo.sql'), built.undoSql);
    await writeFile(path.join(patchDir, 'manifest.json'), JSON.stringify(built.manifest));

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
});
