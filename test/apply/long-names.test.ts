import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { truncateIdentifier } from '../../src/apply/parse-tree.js';
import { verifyApplied } from '../../src/apply/verify-target.js';
import { buildPatch } from '../../src/patch/patch.js';
import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { changesetOf } from '../support/changeset.js';
import { tempJobDir } from '../support/flow.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';

/** Column names of 62 bytes: `"new <name>"` passes PostgreSQL's 63-byte limit and is cut, by the server and by libpg_query alike. */
const ASCII = `a${'b'.repeat(60)}z`;
const WIDE = 'é'.repeat(31);

describe('identifiers as PostgreSQL keeps them', () => {
  it('cuts at 63 bytes, never inside a character', () => {
    expect(truncateIdentifier('short')).toBe('short');
    expect(truncateIdentifier(`new ${ASCII}`)).toBe(`new ${ASCII}`.slice(0, 63));
    expect(truncateIdentifier(`new ${WIDE}`)).toBe(`new ${'é'.repeat(29)}`);
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('a table whose column names are near the 63-byte limit', () => {
  const database = connectedDatabase('long_names', {
    beforeEachTest: async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS salvage CASCADE; DROP TABLE IF EXISTS public.wide`);
      await client.query(`CREATE TABLE public.wide (id bigint PRIMARY KEY, "${ASCII}" text, "${WIDE}" text)`);
      await client.query(`INSERT INTO public.wide VALUES (1, 'a', 'b')`);
    },
  });
  const ev = [{ source: 's', record: 'r', ref: 'file://x.csv#L2', rule: 'wide.yaml#r' }];
  const read = async () => (await database.client.query(`SELECT * FROM public.wide ORDER BY id`)).rows;

  const changeset = (changes: Change[]): Changeset =>
    changesetOf(
      [
        {
          table: 'public.wide',
          schema: 'public',
          name: 'wide',
          primaryKey: ['id'],
          columns: { id: 'bigint', [ASCII]: 'text', [WIDE]: 'text' },
          counts: { insert: 1, update: 1, unchanged: 0, conflict: 0, unrecoverable: 0 },
        },
      ],
      changes,
    );

  it.each([
    ['VALUES lists', undefined],
    ['staged blocks', { stageAbove: 0, stageChunk: 1000 }],
  ])('applies, verifies and undoes its own patch (%s)', async (_layout, layout) => {
    const before = await read();
    const built = buildPatch(
      changeset([
        { id: 'public.wide#2', table: 'public.wide', kind: 'insert', key: { id: '2' }, values: { id: '2', [ASCII]: 'x', [WIDE]: 'y' }, evidence: { [ASCII]: ev } },
        { id: 'public.wide#1', table: 'public.wide', kind: 'update', key: { id: '1' }, values: { [ASCII]: 'A', [WIDE]: 'B' }, old: { [ASCII]: 'a', [WIDE]: 'b' }, evidence: { [ASCII]: ev } },
      ]),
      'ef'.repeat(32),
      undefined,
      undefined,
      layout,
    );
    const dir = path.join(await tempJobDir('long-names'), 'patch');
    await mkdir(dir);
    await writeFile(path.join(dir, 'patch.sql'), built.patchSql);
    await writeFile(path.join(dir, 'undo.sql'), built.undoSql);
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(built.manifest));

    const result = await apply({ patchDir: dir, target: { url: database.url, embeddedDir: '' }, confirm: database.name });
    expect(result.rows).toEqual({ 'public.wide': { insert: 1, update: 1 } });
    expect(await read()).toEqual([
      { id: '1', [ASCII]: 'A', [WIDE]: 'B' },
      { id: '2', [ASCII]: 'x', [WIDE]: 'y' },
    ]);
    expect(await verifyApplied({ patchDir: dir, target: { url: database.url, embeddedDir: '' } })).toMatchObject({ checked: 2, problems: [] });
    await apply({ patchDir: dir, target: { url: database.url, embeddedDir: '' }, confirm: database.name, which: 'undo' });
    expect(await read()).toEqual(before);
  });
});
