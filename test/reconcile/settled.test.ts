import { describe, expect, it } from 'vitest';
import { SettledGroups } from '../../src/reconcile/settled.js';

describe('groups settled as unchanged', () => {
  it('keep each key as written: small integers as numbers, big ones and other keys as text', () => {
    const settled = new SettledGroups(4, true);
    settled.set(0, '42');
    settled.set(1, '-7');
    settled.set(2, '9223372036854775807'); // int8's largest: more digits than a double holds exactly
    expect([settled.get(0), settled.get(1), settled.get(2), settled.get(3)]).toEqual(['42', '-7', '9223372036854775807', undefined]);
    expect(settled.size).toBe(3);
    settled.set(0, '43'); // settled again: counted once
    settled.delete(1);
    settled.delete(3);
    expect([settled.has(0), settled.has(1), settled.size, settled.get(0)]).toEqual([true, false, 2, '43']);
    settled.clear();
    expect([settled.size, settled.has(2)]).toEqual([0, false]);
  });

  it('keep the edges of 32-bit integers, and texts a number would not give back, each exactly', () => {
    const keys = ['2147483647', '2147483648', '-2147483647', '-2147483648', '-0', '007', '0', '1e3'];
    const settled = new SettledGroups(keys.length, true);
    keys.forEach((key, i) => settled.set(i, key));
    expect(keys.map((_, i) => settled.get(i))).toEqual(keys);
    expect(settled.size).toBe(keys.length);
  });

  it('keep text keys (a uuid, a composite key) as they are', () => {
    const settled = new SettledGroups(2, false);
    settled.set(1, 'a\u0001b');
    expect([settled.get(1), settled.has(0), settled.size]).toEqual(['a\u0001b', false, 1]);
  });
});
