import { describe, expect, it } from 'vitest';
import { bySignature, chunksAcross, chunksOf } from '../../src/patch/statement-groups.js';
import { OrdinalGroups } from '../../src/changeset/ordinal-groups.js';

// One array per set of columns, as rows read back from a spill share them.
const A = ['id', 'email'];
const B = ['id', 'note'];

describe('bySignature', () => {
  it('groups ordinals by their columns, groups in order of first appearance, each in the order given', () => {
    const ordinals = Int32Array.from([5, 3, 9, 1, 7, 2]);
    const columnsOf = (i: number) => (i % 2 === 1 ? A : i === 2 ? [...B] : B);
    const groups = [...bySignature(ordinals, columnsOf).values()].map((g) => ({ columns: g.columns, ordinals: [...g.ordinals] }));
    expect(groups).toEqual([
      { columns: A, ordinals: [5, 3, 9, 1, 7] },
      { columns: B, ordinals: [2] },
    ]);
  });

  it('gives the ordinals themselves, not a copy, when every row has the same columns', () => {
    const ordinals = Int32Array.from({ length: 10_000 }, (_, i) => i * 2);
    const [only, ...others] = [...bySignature(ordinals, () => A).values()];
    expect(others).toEqual([]);
    expect(only?.ordinals).toBe(ordinals);
    expect(only?.columns).toEqual(A);
    expect(bySignature([], () => A).size).toBe(0);
  });
});

describe('chunksOf and chunksAcross', () => {
  it('cut a typed array into arrays of at most the size, and several lists as if they were one', () => {
    expect([...chunksOf(Int32Array.from([1, 2, 3, 4, 5]), 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...chunksOf([], 2)]).toEqual([]);
    expect([...chunksAcross([Int32Array.from([1, 2, 3]), new Int32Array(0), [4], Int32Array.from([5, 6])], 2)]).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect([...chunksAcross([[1, 2, 3]], 5)]).toEqual([[1, 2, 3]]);
  });
});

describe('OrdinalGroups', () => {
  it('keeps each (table, kind) group in the order added, and an empty one for a group never added to', () => {
    const groups = new OrdinalGroups();
    for (let i = 0; i < 3000; i++) groups.add(i % 3 === 0 ? 'public."odd ""name"""' : 'public.payments', i % 2 ? 'insert' : 'update', i);
    const inserts = [...groups.get('public.payments', 'insert')];
    expect(inserts).toEqual(Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 3 !== 0 && i % 2 === 1));
    expect(groups.get('public."odd ""name"""', 'update').length).toBe(500);
    expect(groups.get('public.customers', 'insert').length).toBe(0);
  });
});
