/**
 * Reconcile keeps each table's changes in a spill file, not in memory. What
 * comes back must be exactly what went in, in the changeset's order, with the keys
 * assigned at the end of the table swapped in, and nothing may be left on disk.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CatalogColumn, CatalogTable } from '../../src/db/catalog-types.js';
import type { Change } from '../../src/changeset/changeset.js';
import { ChangeSpill } from '../../src/changeset/change-spill.js';
import { keyRefOf } from '../../src/changeset/key-refs.js';
import { LookupIndex } from '../../src/reconcile/lookup-index.js';
import { TableChanges } from '../../src/reconcile/table-changes.js';
import { tempJobDir } from '../support/flow.js';

const column = (name: string, type: string): CatalogColumn => ({ name, type, typeName: type === 'bigint' ? 'int8' : 'text', notNull: false, default: null, identity: null, generated: false, position: 0 });
const customers: CatalogTable = {
  schema: 'public',
  name: 'customers',
  columns: [column('id', 'bigint'), column('email', 'text'), column('note', 'text')],
  primaryKey: ['id'],
  uniqueKeys: [['email']],
  foreignKeys: [],
  sequences: { id: { schema: 'public', name: 'customers_id_seq' } },
} as unknown as CatalogTable;

const change = (id: string, kind: Change['kind'], values: Record<string, string | null>, key: Record<string, string> = {}): Change => ({
  id,
  table: 'public.customers',
  kind,
  key,
  values,
  evidence: { email: [{ source: 's', record: id, ref: `file://x#${id}`, rule: 'c.yaml#r' }] },
});

async function spillIn(): Promise<ChangeSpill> {
  return new ChangeSpill(path.join(await tempJobDir('spill'), 'changeset.json.changes.partial'));
}

describe('ChangeSpill', () => {
  // Texts longer than the read window, read in order (the patch) and all over the file (reconcile).
  for (const longest of [100, 7000, 3_000_000]) {
    it(`gives back every text as written, in any order, and leaves nothing behind (texts up to ${longest} characters)`, async () => {
      const spill = await spillIn();
      const texts = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i, text: `O'Brien \\ "q" 🛶 ${'x'.repeat(i === 4000 ? longest : i % Math.min(longest, 7000))} ${i}` }));
      const ordinals = texts.map((t) => spill.add(t));
      for (const i of [4999, 0, 2500, 17, 4998, 1]) expect(spill.text(ordinals[i] as number)).toBe(texts[i]);
      expect(ordinals.map((o) => spill.text(o))).toEqual(texts);
      // Texts added after a read come back too, though the window read before them ended where they begin.
      const later = spill.add('"added after reading"');
      expect(spill.text(later)).toBe('"added after reading"');
      expect(spill.text(ordinals[4999] as number)).toBe(texts[4999]);
      spill.remove();
      expect(existsSync(spill.file)).toBe(false);
    });
  }

  it('removes the files made beside it (the order of its changes by id) with it', async () => {
    const spill = await spillIn();
    const besides = [spill.fileBeside('ids'), spill.fileBeside('ids')];
    expect(new Set(besides).size).toBe(2);
    for (const file of besides) writeFileSync(file, 'a run of ids\n');
    spill.remove();
    expect(besides.filter((file) => existsSync(file))).toEqual([]);
  });
});

describe('TableChanges', () => {
  it('orders by id and tells children where each row is: a key, or the change that makes one at apply time', async () => {
    const spill = await spillIn();
    const index = new LookupIndex('public.customers', 'email', 'id');
    for (const email of ['new-b@x', 'new-a@x', 'kept@x']) index.requested.add(email);
    const columns = new Map(customers.columns.map((c) => [c.name, c]));
    const changes = new TableChanges(customers, spill, [index], columns);
    const newB = { ...change('public.customers@email=new-b@x', 'insert', { email: 'new-b@x', note: null }), keyRefs: { id: 'public.customers@email=new-b@x' } };
    changes.add(newB);
    changes.add(change('public.customers#40', 'update', { note: 'changed' }, { id: '40' }));
    changes.add({ ...change('public.customers@email=new-a@x', 'insert', { email: 'new-a@x', note: null }), keyRefs: { id: 'public.customers@email=new-a@x' } });
    changes.add(change('public.customers#7', 'insert', { id: '7', email: 'kept@x' }, { id: '7' }));
    changes.finish();
    // Each view decoded as it comes: the next read reuses its bytes.
    const out = Array.from(changes.jsonBytes(), (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as Change);
    expect(out.map((c) => c.id)).toEqual(['public.customers#40', 'public.customers#7', 'public.customers@email=new-a@x', 'public.customers@email=new-b@x']);
    expect(out[3]).toEqual(newB);
    // Children point at a row whose key is made at apply time by its change id.
    expect(keyRefOf((index.resolve('new-a@x') as { value: string }).value)).toBe('public.customers@email=new-a@x');
    expect(keyRefOf((index.resolve('new-b@x') as { value: string }).value)).toBe('public.customers@email=new-b@x');
    expect(index.resolve('kept@x')).toEqual({ value: '7' });
    expect(changes.size).toBe(4);
    spill.remove();
  });
});
