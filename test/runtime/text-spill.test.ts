import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextSpill } from '../../src/runtime/text-spill.js';

describe('TextSpill', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'salvage-spill-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives back every text by its ordinal, in order, out of order, empty, multi-byte and larger than its buffers', () => {
    const spill = new TextSpill(path.join(dir, 'texts'));
    const texts = [
      '',
      "O'Brien",
      'emoji 🚣‍♀️ and é',
      'NUL \u0000 inside',
      'x'.repeat(3 << 20), // past the 1 MB write buffer and read window
      '',
      // Lengths kept in two bytes up to 65,534; from 65,535 bytes on, kept aside.
      'é'.repeat(32_767), // 65,534 bytes
      `${'é'.repeat(32_767)}x`, // 65,535
      'é'.repeat(32_768), // 65,536
      'y'.repeat(65_535),
      ...Array.from({ length: 20_000 }, (_, i) => `{"id":"public.payments@stripe_charge_id=ch_${i.toString(36)}","n":${i}}`),
      'the last one, still in the write buffer',
    ];
    texts.forEach((text, i) => expect(spill.add(text)).toBe(i));
    expect(spill.size).toBe(texts.length);
    // The last one first: it was never written out yet.
    expect(spill.text(texts.length - 1)).toBe(texts.at(-1));
    texts.forEach((text, i) => expect(spill.text(i)).toBe(text));
    for (let i = texts.length - 1; i >= 0; i -= 997) expect(spill.text(i)).toBe(texts[i]);
    expect(() => spill.text(texts.length)).toThrow(RangeError);
    // Texts added after reading: still each its own.
    expect(spill.add('after reading')).toBe(texts.length);
    expect(spill.text(texts.length - 1)).toBe(texts.at(-1));
    expect(spill.text(texts.length)).toBe('after reading');
    spill.remove();
  });

  it('gives the same texts as bytes, views that a copy keeps past the next read', () => {
    const spill = new TextSpill(path.join(dir, 'bytes'));
    const texts = ['', "O'Brien \\ \"quoted\"", 'emoji 🚣‍♀️ and é', 'NUL \u0000 inside', 'z'.repeat(3 << 20), ...Array.from({ length: 5_000 }, (_, i) => `{"n":${i}}`), 'still buffered'];
    for (const text of texts) spill.add(text);
    // In order (from the window), out of order (each a read of its own), and the unwritten last one.
    const order = [texts.length - 1, ...texts.keys(), 4_000, 2, 4_999];
    const copies: Array<[number, Buffer]> = [];
    for (const i of order) {
      const bytes = spill.bytes(i);
      expect(bytes.equals(Buffer.from(texts[i] as string, 'utf8'))).toBe(true);
      copies.push([i, Buffer.from(bytes)]);
    }
    // Copies taken before later reads are still the texts they were.
    for (const [i, copy] of copies) expect(copy.toString('utf8')).toBe(texts[i]);
    expect(() => spill.bytes(texts.length)).toThrow(RangeError);
    spill.remove();
  });

  it('reads a pass in order a window at a time, also when it starts again from the top after a read at the end', () => {
    const spill = new TextSpill(path.join(dir, 'passes'));
    const texts = Array.from({ length: 50_000 }, (_, i) => `{"candidate":${i},"values":"${'v'.repeat(200)}"}`); // ~11 MB
    for (const text of texts) spill.add(text);
    const megabytes = Math.ceil(texts.reduce((n, t) => n + t.length, 0) / (1 << 20));
    const pass = () => {
      const before = spill.reads;
      texts.forEach((text, i) => {
        if (i % 10 !== 3) expect(spill.text(i)).toBe(text); // a pass skips some (settled candidates)
      });
      return spill.reads - before;
    };
    // A window a megabyte, and at most one read of a text cut by a window's end per window.
    expect(pass()).toBeLessThanOrEqual(2 * megabytes + 2);
    // The window is at the end now; a second pass from the top must not read text by text.
    expect(spill.text(texts.length - 1)).toBe(texts.at(-1));
    expect(pass()).toBeLessThanOrEqual(2 * megabytes + 2);
    // Reading out of order stays correct (each text a read of its own).
    for (let i = texts.length - 1; i >= 0; i -= 4_999) expect(spill.text(i)).toBe(texts[i]);
    spill.remove();
  });
});
