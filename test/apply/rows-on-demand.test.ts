/**
 * A staged block's rows are decoded from its COPY data only when read, and not kept
 * beyond what the collector allows: the length reads nothing, a loop by index decodes
 * once (not once per index), and every way of reading gives the rows as decoded.
 */
import { describe, expect, it } from 'vitest';
import { rowsOnDemand, rowsOnce } from '../../src/apply/rows-on-demand.js';

function counted(rows: string[][]) {
  const calls = { decodes: 0 };
  return { calls, lazy: rowsOnDemand(rows.length, () => (calls.decodes++, rows.map((r) => [...r]))) };
}

describe('rowsOnDemand', () => {
  const source = [["O'Brien", 'a\\b'], ['🛶', '"quoted"'], ['select', '']];

  it('tells its length without decoding', () => {
    const { calls, lazy } = counted(source);
    expect(lazy.length).toBe(3);
    expect(calls.decodes).toBe(0);
  });

  it('decodes once for a loop by index, and gives the same rows as iterating or mapping', () => {
    const { calls, lazy } = counted(source);
    const byIndex: string[][] = [];
    for (let i = 0; i < lazy.length; i++) byIndex.push(lazy[i] as string[]);
    expect(calls.decodes).toBe(1);
    expect(byIndex).toEqual(source);
    expect([...lazy]).toEqual(source);
    expect(lazy.map((r) => r.join('|'))).toEqual(source.map((r) => r.join('|')));
    expect(Object.keys(lazy)).toEqual(['0', '1', '2']);
  });
});

describe('rowsOnce', () => {
  it('decodes afresh for each pass and keeps nothing; other arrays pass through', () => {
    const { calls, lazy } = counted([['a'], ['b']]);
    expect(rowsOnce(lazy)).toEqual([['a'], ['b']]);
    expect(rowsOnce(lazy)).not.toBe(rowsOnce(lazy));
    expect(calls.decodes).toBe(3);
    const plain = [['x']];
    expect(rowsOnce(plain)).toBe(plain);
  });
});
