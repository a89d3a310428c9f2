import { foldColumn } from './lane-hash.js';

/**
 * A set of texts kept as 64-bit digests (the two lanes of src/runtime/lane-hash.ts) in one
 * open-addressed table: 8 bytes a slot, at most 70% full, where a Set of strings holds
 * each string (some 60 bytes for a change id) and an entry. For sets of millions.
 *
 * Two texts can share a digest, about once in 2^64 pairs: `has` may then say yes for a
 * text never added. Use it only where such a yes is caught later (say so where used).
 */
export class DigestSet {
  /** Pairs (a, b); (0, 0) is an empty slot, so a digest of (0, 0) is stored as (0, 1). */
  private table = new Uint32Array(2 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(text: string): void {
    digestInto(text, lanes);
    if (this.count + 1 > this.slots() * MAX_LOAD) this.grow();
    if (place(this.table, lanes.a, lanes.b)) this.count++;
  }

  has(text: string): boolean {
    digestInto(text, lanes);
    const { table } = this;
    const mask = this.slots() - 1;
    for (let slot = lanes.a & mask; ; slot = (slot + 1) & mask) {
      const a = table[2 * slot] as number;
      const b = table[2 * slot + 1] as number;
      if (a === 0 && b === 0) return false;
      if (a === lanes.a && b === lanes.b) return true;
    }
  }

  clear(): void {
    this.table = new Uint32Array(2 * 1024);
    this.count = 0;
  }

  private slots(): number {
    return this.table.length / 2;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i] as number;
      const b = old[i + 1] as number;
      if (a !== 0 || b !== 0) place(this.table, a, b);
    }
  }
}

/** Grown past this share of slots full: linear probing stays short (about 2.5 slots a hit) and a slot is 8 bytes. */
const MAX_LOAD = 0.7;

const lanes = { a: 0, b: 0 };

/** Puts (a, b) in its slot or the next free one; false if it was there already. */
function place(table: Uint32Array, a: number, b: number): boolean {
  const mask = table.length / 2 - 1;
  for (let slot = a & mask; ; slot = (slot + 1) & mask) {
    const sa = table[2 * slot] as number;
    const sb = table[2 * slot + 1] as number;
    if (sa === a && sb === b) return false;
    if (sa === 0 && sb === 0) {
      table[2 * slot] = a;
      table[2 * slot + 1] = b;
      return true;
    }
  }
}

/** The text's two lanes (lane-hash.ts, with no column name); never (0, 0), which marks an empty slot. */
function digestInto(text: string, out: { a: number; b: number }): void {
  out.a = 0;
  out.b = 0;
  foldColumn(out, '', text);
  if (out.a === 0 && out.b === 0) out.b = 1;
}
