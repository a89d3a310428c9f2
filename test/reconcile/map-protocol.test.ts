import { describe, expect, it } from 'vitest';
import { FlatPrepsBuilder, forEachPrep } from '../../src/reconcile/map-protocol.js';
import type { CandidatePrep } from '../../src/reconcile/prepared.js';

/** What the main thread reads back, copied out of the reused object. */
function readBack(builder: FlatPrepsBuilder): Array<{ table: number; prep: CandidatePrep }> {
  // Through a clone, as a worker's result arrives.
  const flat = structuredClone(builder.flat());
  const out: Array<{ table: number; prep: CandidatePrep }> = [];
  forEachPrep(flat, (i, table, prep) => {
    expect(i).toBe(out.length);
    out.push({ table, prep: { keys: prep.keys, digest: prep.digest && { ...prep.digest }, lookups: prep.lookups } });
  });
  return out;
}

describe('a chunk\'s preps sent from a mapping worker', () => {
  it('read back as they were pushed: keys, digests (lanes up to 2^32 - 1), column sets, lookups, tables', () => {
    const builder = new FlatPrepsBuilder();
    const columns = 'id\u0000amount';
    builder.push(0, { keys: ['0\u0001ch_1'], digest: { a: 0xffffffff, b: 0x80000000, columns }, lookups: true });
    builder.push(1, { keys: undefined, digest: undefined, lookups: false });
    builder.push(0, { keys: ['0\u0001a', '1\u0001b\u0001c'], digest: { a: 0, b: 1, columns: ['id', 'note'] }, lookups: false });
    builder.push(0, { keys: [], digest: { a: 7, b: 0x7fffffff, columns }, lookups: false });
    builder.push(2, { keys: '0\u0001one', digest: { a: 2, b: 3, columns: '' }, lookups: true });
    expect(readBack(builder)).toEqual([
      { table: 0, prep: { keys: '0\u0001ch_1', digest: { a: 0xffffffff, b: 0x80000000, columns }, lookups: true } },
      { table: 1, prep: { keys: undefined, digest: undefined, lookups: false } },
      { table: 0, prep: { keys: ['0\u0001a', '1\u0001b\u0001c'], digest: { a: 0, b: 1, columns: 'id\u0000note' }, lookups: false } },
      { table: 0, prep: { keys: [], digest: { a: 7, b: 0x7fffffff, columns }, lookups: false } },
      { table: 2, prep: { keys: '0\u0001one', digest: { a: 2, b: 3, columns: '' }, lookups: true } },
    ]);
    // Each column set is sent once.
    expect(builder.flat().digestSets).toEqual([columns, 'id\u0000note', '']);
  });

  it('hold more candidates than they first make room for', () => {
    const builder = new FlatPrepsBuilder();
    for (let i = 0; i < 5000; i++) builder.push(i % 3, { keys: `0\u0001${i}`, digest: { a: (i * 977_777) >>> 0, b: (i * 2_654_435_761) >>> 0, columns: 'id' }, lookups: i % 2 === 0 });
    const back = readBack(builder);
    expect(back).toHaveLength(5000);
    back.forEach(({ table, prep }, i) => {
      expect(table).toBe(i % 3);
      expect(prep).toEqual({ keys: `0\u0001${i}`, digest: { a: (i * 977_777) >>> 0, b: (i * 2_654_435_761) >>> 0, columns: 'id' }, lookups: i % 2 === 0 });
    });
  });
});
