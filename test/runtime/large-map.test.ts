import { describe, expect, it } from 'vitest';
import { LargeMap } from '../../src/runtime/large-map.js';

describe('LargeMap', () => {
  it('answers get, has and set as a Map does, and iterates every entry once', () => {
    const large = new LargeMap<number>();
    const plain = new Map<string, number>();
    const keys = ["O'Brien", 'back\\slash', 'NUL \u0000', 'emoji 🚣‍♀️', '', ...Array.from({ length: 50_000 }, (_, i) => `stripe_charge_id=ch_${i.toString(36)}`)];
    keys.forEach((k, i) => {
      large.set(k, i);
      plain.set(k, i);
    });
    large.set("O'Brien", -1);
    plain.set("O'Brien", -1);
    for (const k of keys) {
      expect(large.get(k)).toBe(plain.get(k));
      expect(large.has(k)).toBe(true);
    }
    expect(large.has('missing')).toBe(false);
    expect(large.get('missing')).toBeUndefined();
    expect(new Map([...large])).toEqual(plain);
    large.clear();
    expect([...large]).toEqual([]);
  });
});
