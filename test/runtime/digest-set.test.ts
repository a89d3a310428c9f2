import { describe, expect, it } from 'vitest';
import { DigestSet } from '../../src/runtime/digest-set.js';
import { IntList } from '../../src/runtime/int-list.js';
import { collectGarbage } from '../../src/runtime/memory.js';

const HOSTILE = ["O'Brien", 'back\\slash', 'NUL \u0000 byte', 'emoji 🚣‍♀️', '"quoted"', 'select', '', ' '];

describe('DigestSet', () => {
  it('says yes for every text added and no for texts never added, across its growth', () => {
    const set = new DigestSet();
    const added = [...HOSTILE, ...Array.from({ length: 200_000 }, (_, i) => `c0ffee/public.payments@stripe_charge_id=ch_${i.toString(36)}`)];
    for (const text of added) set.add(text);
    for (const text of HOSTILE) set.add(text); // again: counted once
    expect(set.size).toBe(added.length);
    expect(added.every((text) => set.has(text))).toBe(true);
    const never = Array.from({ length: 200_000 }, (_, i) => `c0ffee/public.payments@stripe_charge_id=ch_${(i + 200_000).toString(36)}`);
    expect(never.filter((text) => set.has(text))).toEqual([]);
    // Texts that differ only in case, a trailing space or one unit are different texts.
    expect(['o\'brien', "O'Brien ", 'NUL \u0001 byte'].some((text) => set.has(text))).toBe(false);
    set.clear();
    expect(set.size).toBe(0);
    expect(set.has("O'Brien")).toBe(false);
  });

  it('keeps a million ids in a few megabytes and none of their strings', () => {
    const measure = () => {
      collectGarbage();
      collectGarbage();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = measure();
    const set = new DigestSet();
    for (let i = 0; i < 1_000_000; i++) set.add(`c0ffee/public.payments@stripe_charge_id=ch_${i.toString(36).padStart(12, '0')}`);
    const held = measure() - before;
    expect(set.size).toBe(1_000_000);
    // 2^21 slots of 8 bytes: 16 MB. A Set of the same strings holds about 85 MB.
    expect(held).toBeLessThan(20 * 2 ** 20);
    expect(held).toBeGreaterThan(12 * 2 ** 20); // the table itself: nothing is left out
  });
});

describe('IntList', () => {
  it('keeps what is pushed, in order, through its growth', () => {
    const list = new IntList();
    for (let i = 0; i < 5000; i++) list.push(i % 7 === 0 ? -1 : i * 3);
    expect(list.length).toBe(5000);
    expect(list.at(0)).toBe(-1);
    expect(list.at(4999)).toBe(4999 * 3);
    expect(list.at(5000)).toBeUndefined();
    expect(list.at(-1)).toBeUndefined();
    expect(Array.from({ length: 5000 }, (_, i) => list.at(i))).toEqual(Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? -1 : i * 3)));
    // A view is the items so far, without a copy; items pushed after it are not in it.
    const view = list.view();
    expect([...view]).toEqual(Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? -1 : i * 3)));
    list.push(42);
    expect(view.length).toBe(5000);
    expect(list.view().at(-1)).toBe(42);
  });
});
