import { describe, expect, it } from 'vitest';
import { KeyOwners } from '../../src/reconcile/key-owners.js';
import { KeyTexts } from '../../src/reconcile/key-texts.js';
import { foldColumn } from '../../src/runtime/lane-hash.js';

const hashOf = (key: string) => {
  const lanes = { a: 0, b: 0 };
  foldColumn(lanes, '', key);
  return lanes.a;
};

/** Two different keys with the same 32-bit hash, found by brute force (a birthday search). */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const key = `0\u0001ch_${i.toString(36)}`;
    const other = seen.get(hashOf(key));
    if (other !== undefined) return [other, key];
    seen.set(hashOf(key), key);
  }
}

describe('KeyOwners', () => {
  it('keeps the first owner of each key and answers as a Map would, past many grows', () => {
    const hostile = ["O'Brien", 'back\\slash', 'NUL \u0000', 'emoji 🚣‍♀️', '"quoted"', 'select', ''];
    const keysOf = new KeyTexts();
    const owners = new KeyOwners(keysOf);
    const expected = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      // Every third candidate has two keys, one shared with the candidate before it.
      const own = i < hostile.length ? (hostile[i] as string) : `0\u0001ch_${i.toString(36)}`;
      keysOf.add(i % 3 === 2 ? [own, keyList(keysOf.of(i - 1))[0] as string] : own);
      for (const k of keyList(keysOf.of(i))) {
        const owner = owners.claim(k, i);
        if (!expected.has(k)) expected.set(k, i);
        if (owner !== expected.get(k)) throw new Error(`${k}: claimed by ${owner}, first owner ${expected.get(k)}`);
      }
    }
    expect(owners.size).toBe(expected.size);
    const found = [...expected.keys()].filter((k) => owners.has(k)).map((k) => [k, owners.get(k)] as const);
    expect(new Map(found)).toEqual(expected);
    expect(owners.get('0\u0001missing')).toBeUndefined();
    expect(new Map(owners.entries())).toEqual(expected);
    owners.clear();
    expect(owners.get(hostile[0] as string)).toBeUndefined();
    expect(owners.size).toBe(0);
  });

  it('keeps two keys that share a hash apart: a hash points at a candidate, the key text decides', () => {
    const [first, second] = collidingPair();
    expect(first).not.toBe(second);
    expect(hashOf(first)).toBe(hashOf(second));
    const keysOf = new KeyTexts();
    keysOf.add(first);
    const owners = new KeyOwners(keysOf);
    expect(owners.claim(first, 0)).toBe(0);
    // The second key meets the first one's slot: it is not that candidate's key, so it is not owned.
    expect(owners.get(second)).toBeUndefined();
    keysOf.add(second);
    expect(owners.claim(second, 1)).toBe(1);
    expect(owners.get(first)).toBe(0);
    expect(owners.get(second)).toBe(1);
    expect(owners.size).toBe(2);
    expect([...owners.entries()]).toEqual([[first, 0], [second, 1]]);
  });
});

function keyList(keys: string | string[] | undefined): string[] {
  return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
}
