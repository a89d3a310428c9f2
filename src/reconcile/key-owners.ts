import { foldColumn } from '../runtime/lane-hash.js';
import type { KeyTexts } from './key-texts.js';

/**
 * Match key -> the first candidate that has it, for tens of millions of keys. A Map of
 * strings costs some 57 bytes an entry beside the key itself; here a key is found by a
 * 32-bit hash (a lane of src/runtime/lane-hash.ts) in one open-addressed table of 8 bytes
 * a slot, and the key text is the candidate's own (`keysOf`, key-texts.ts), held anyway.
 *
 * A hash only points at candidates: every hit is checked against that candidate's keys,
 * so two keys that share a hash are two entries, never one group of rows that are not
 * the same row.
 */
export class KeyOwners {
  /** Per slot: the key's hash and its owner (-1: empty). */
  private hashes = new Uint32Array(INITIAL_SLOTS);
  private owners = new Int32Array(INITIAL_SLOTS).fill(-1);
  private count = 0;
  private readonly lanes = { a: 0, b: 0 };

  /** Candidate i's match keys are set in `keysOf` before i owns any. */
  constructor(private readonly keysOf: Pick<KeyTexts, 'length' | 'of' | 'has'>) {}

  get size(): number {
    return this.count;
  }

  get(key: string): number | undefined {
    const slot = this.find(key);
    return slot < 0 ? undefined : (this.owners[slot] as number);
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Makes `owner` the owner of `key` unless the key has one; returns the key's owner. */
  claim(key: string, owner: number): number {
    const slot = this.find(key);
    if (slot >= 0) return this.owners[slot] as number;
    if (this.count + 1 > this.owners.length * MAX_LOAD) this.grow();
    // find() left the key's hash in this.lanes.a.
    this.place(this.lanes.a, owner);
    this.count++;
    return owner;
  }

  /** Each key with its owner, in candidate order (a key comes with the candidate that owns it). */
  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i < this.keysOf.length; i++) {
      const keys = this.keysOf.of(i);
      if (keys === undefined) continue;
      if (typeof keys === 'string') {
        if (this.get(keys) === i) yield [keys, i];
      } else {
        for (const k of new Set(keys)) if (this.get(k) === i) yield [k, i];
      }
    }
  }

  clear(): void {
    this.hashes = new Uint32Array(0);
    this.owners = new Int32Array(0);
    this.count = 0;
  }

  /** The slot of `key`, or -1; its hash is left in this.lanes.a. */
  private find(key: string): number {
    const lanes = this.lanes;
    lanes.a = 0;
    lanes.b = 0;
    foldColumn(lanes, '', key);
    const { hashes, owners } = this;
    if (owners.length === 0) return -1;
    const mask = owners.length - 1;
    for (let slot = lanes.a & mask; ; slot = (slot + 1) & mask) {
      const owner = owners[slot] as number;
      if (owner < 0) return -1;
      if (hashes[slot] === lanes.a && this.owns(owner, key)) return slot;
    }
  }

  private owns(owner: number, key: string): boolean {
    return this.keysOf.has(owner, key);
  }

  private place(hash: number, owner: number): void {
    const mask = this.owners.length - 1;
    let slot = hash & mask;
    while ((this.owners[slot] as number) >= 0) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.owners[slot] = owner;
  }

  private grow(): void {
    const { hashes, owners } = this;
    const slots = Math.max(INITIAL_SLOTS, owners.length * 2);
    this.hashes = new Uint32Array(slots);
    this.owners = new Int32Array(slots).fill(-1);
    for (let s = 0; s < owners.length; s++) {
      const owner = owners[s] as number;
      if (owner >= 0) this.place(hashes[s] as number, owner);
    }
  }
}

const INITIAL_SLOTS = 1024;
/** Grown past this share of slots full: linear probing stays short, and a slot is 8 bytes. */
const MAX_LOAD = 0.7;
