import { PackedExtents } from '../runtime/packed-extents.js';

/** Bytes per block of the arena: a full block is never copied. */
const BLOCK = 16 << 20;
/** Entries whose keys are not in the arena: set after the fact, or not expressible there. */
const ELSEWHERE = 255;

/**
 * Each candidate's match keys, in order of candidates, as UTF-8 bytes in blocks of one
 * arena: about 22 bytes a candidate for the usual key of some twenty characters, where a
 * string and the array slot that holds it take 48 or more. Reconcile holds one entry per
 * candidate from mapping until the groups are known: ten million candidates. The bytes
 * run on from block to block; an entry is found from where its group of 16 starts and
 * the lengths before it (a byte each; 255 bytes or more kept aside in a Map).
 *
 * A candidate has no key (an empty list), one, or several; several are joined by NUL,
 * which a key cannot hold (keys are made of column texts, and PostgreSQL text holds no
 * NUL). Keys not known when the candidate is stored (they read a looked-up column) are
 * set later and kept aside in a Map, as are keys that could not be joined.
 */
export class KeyTexts {
  private blocks: Buffer[] = [];
  /** Bytes written in all. */
  private written = 0;
  /** Where each entry is in the arena (packed-extents.ts). */
  private extents = new PackedExtents(1);
  /** How many keys each entry has (ELSEWHERE: see `aside`). */
  private counts = new Uint8Array(1024);
  private count = 0;
  private readonly aside = new Map<number, string | string[] | undefined>();

  get length(): number {
    return this.count;
  }

  /** Appends the next candidate's keys (undefined: not known yet, see set). */
  add(keys: string | string[] | undefined): void {
    const i = this.count;
    if (i === this.counts.length) this.grow();
    this.count++;
    const list = keys === undefined ? undefined : typeof keys === 'string' ? [keys] : keys;
    if (list === undefined || list.length >= ELSEWHERE || (list.length > 1 && list.some((k) => k.includes('\u0000')))) {
      this.counts[i] = ELSEWHERE;
      this.aside.set(i, keys);
      this.extents.add(this.written, 0);
      return;
    }
    this.counts[i] = list.length;
    const start = this.written;
    this.extents.add(start, list.length === 0 ? 0 : this.write(list.length === 1 ? (list[0] as string) : list.join('\u0000')));
  }

  /** Sets the keys of an entry added without them. */
  set(i: number, keys: string | string[]): void {
    if (this.counts[i] !== ELSEWHERE) throw new Error(`the keys of candidate ${i} are set already`);
    this.aside.set(i, keys);
  }

  /** Candidate i's keys: one as a string, several as an array, not known as undefined. */
  of(i: number): string | string[] | undefined {
    const n = this.counts[i];
    if (n === undefined || i >= this.count) return undefined;
    if (n === ELSEWHERE) return this.aside.get(i);
    if (n === 0) return [];
    const text = this.text(i);
    return n === 1 ? text : text.split('\u0000');
  }

  /** Whether `key` is one of candidate i's keys. */
  has(i: number, key: string): boolean {
    const n = this.counts[i];
    if (n === undefined || i >= this.count || n === 0) return false;
    if (n === ELSEWHERE) {
      const keys = this.aside.get(i);
      return typeof keys === 'string' ? keys === key : keys !== undefined && keys.includes(key);
    }
    const text = this.text(i);
    return n === 1 ? text === key : text.split('\u0000').includes(key);
  }

  /** Lets every entry go. */
  clear(): void {
    this.blocks = [];
    this.written = 0;
    this.extents.clear();
    this.counts = new Uint8Array(0);
    this.count = 0;
    this.aside.clear();
  }

  private text(i: number): string {
    const at = this.extents.start(i);
    const length = this.extents.length(i);
    if (length === 0) return '';
    const block = Math.floor(at / BLOCK);
    const offset = at - block * BLOCK;
    // Most entries are within one block; one that runs on into the next is put together.
    if (offset + length <= BLOCK) return (this.blocks[block] as Buffer).toString('utf8', offset, offset + length);
    const whole = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const b = Math.floor((at + done) / BLOCK);
      const from = at + done - b * BLOCK;
      done += (this.blocks[b] as Buffer).copy(whole, done, from, Math.min(BLOCK, from + length - done));
    }
    return whole.toString('utf8');
  }

  /** Writes the text at the end of the arena, running on into new blocks; returns its length in bytes. */
  private write(text: string): number {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes === 0) return 0;
    while (this.blocks.length * BLOCK < this.written + bytes) this.blocks.push(Buffer.allocUnsafeSlow(BLOCK));
    const block = Math.floor(this.written / BLOCK);
    const offset = this.written - block * BLOCK;
    if (offset + bytes <= BLOCK) {
      (this.blocks[block] as Buffer).write(text, offset, 'utf8');
    } else {
      const whole = Buffer.from(text, 'utf8');
      for (let done = 0; done < bytes; ) {
        const b = Math.floor((this.written + done) / BLOCK);
        const at = this.written + done - b * BLOCK;
        done += whole.copy(this.blocks[b] as Buffer, at, done, done + Math.min(bytes - done, BLOCK - at));
      }
    }
    this.written += bytes;
    return bytes;
  }

  private grow(): void {
    const counts = new Uint8Array(Math.max(1024, Math.ceil(this.counts.length * 1.5)));
    counts.set(this.counts);
    this.counts = counts;
  }
}
