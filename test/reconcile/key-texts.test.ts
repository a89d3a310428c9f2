import { describe, expect, it } from 'vitest';
import { KeyTexts } from '../../src/reconcile/key-texts.js';

const HOSTILE = ["0\u0001O'Brien", '0\u0001back\\slash', '0\u0001emoji 🚣‍♀️', '1\u0001"quoted"\u0001select', '0\u0001', ''];

describe('KeyTexts', () => {
  it('gives back each candidate its keys as added: none, one, several, not known yet and set later', () => {
    const texts = new KeyTexts();
    const added: Array<string | string[] | undefined> = [];
    for (let i = 0; i < 30_000; i++) {
      const shape = i % 7;
      const keys =
        shape === 0 ? [] :
        shape === 1 ? [`0\u0001ch_${i}`, `1\u0001${HOSTILE[i % HOSTILE.length]}`] :
        shape === 2 ? undefined :
        shape === 3 ? [`0\u0001only one in a list ${i}`] :
        shape === 4 ? ['NUL \u0000 in one of two', `0\u0001${i}`] :
        (HOSTILE[i % HOSTILE.length] as string) + (shape === 5 ? '' : `x${i}`);
      texts.add(keys);
      added.push(keys);
    }
    expect(texts.length).toBe(added.length);
    // A list of one comes back as its key, as the store keeps it.
    const expected = added.map((k) => (Array.isArray(k) && k.length === 1 ? k[0] : k));
    expect(added.map((_, i) => texts.of(i))).toEqual(expected);
    for (let i = 2; i < added.length; i += 7) texts.set(i, `0\u0001set later ${i}`);
    expect(texts.of(9)).toBe('0\u0001set later 9');
    expect(() => texts.set(1, 'again')).toThrow(/set already/);
    for (const [i, keys] of expected.entries()) {
      if (keys === undefined) continue;
      for (const k of typeof keys === 'string' ? [keys] : keys) expect(texts.has(i, k)).toBe(true);
      expect(texts.has(i, '0\u0001not a key of it')).toBe(false);
    }
    expect(texts.has(0, '')).toBe(false); // no keys is not the empty key
    expect(texts.of(added.length)).toBeUndefined();
    texts.clear();
    expect(texts.length).toBe(0);
    expect(texts.of(1)).toBeUndefined();
  });

  it('keeps keys that run on from one block of the arena into the next, and one larger than a block', () => {
    const texts = new KeyTexts();
    const big = `0\u0001${'é'.repeat(9 << 20)}`; // 18 MB of UTF-8: more than a block
    // Lengths kept in a byte up to 254, aside from 255 on.
    const edges = ['a'.repeat(254), 'b'.repeat(255), 'c'.repeat(256), ''];
    const keys = [...edges, ...Array.from({ length: 700_000 }, (_, i) => `0\u0001ch_${'x'.repeat(i % 40)}${i}`), big, '0\u0001after the big one'];
    for (const k of keys) texts.add(k);
    texts.add(undefined);
    for (const i of [0, 1, 2, 3, 400_000, 699_999, 700_003, 700_004, 700_005]) expect(texts.of(i)).toBe(keys[i]);
    expect(keys.every((k, i) => texts.has(i, k))).toBe(true);
    expect(texts.of(keys.length)).toBeUndefined();
  });
});
