/** Bytes per block of the arena: an entry never straddles two, and a full block is never copied. */
const BLOCK = 16 << 20;
/** Entries whose keys are not in the arena: set after the fact, or not expressible there. */
const ELSEWHERE = 255;

/**
 * Each candidate's match keys, in order of candidates, as UTF-8 bytes in blocks of one
 * arena: about 26 bytes a candidate for the usual key of some twenty characters, where a
 * string and the array slot that holds it take 48 or more. Reconcile holds one entry per
 * candidate from mapping until the groups are known: ten million candidates.
 *
 * A candidate has no key (an empty list), one, or several; several are joined by NUL,
 * which a key cannot hold (keys are made of column texts, and PostgreSQL text holds no
 * NUL). Keys not known when the candidate is stored (they read a looked-up column) are
 * set later and kept aside in a Map, as are keys that could not be joined.
 */
export class KeyTexts {
  private blocks: Buffer[] = [];
  /** Bytes used in each block. */
  private used: number[] = [];
  /** Per entry: where its bytes start (block * BLOCK + offset), and how many keys it has (ELSEWHERE: see `aside`). */
  private starts = new Float64Array(1024);
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
      // Where the arena ends, so the entry before this one ends there too (see text()).
      this.starts[i] = this.end();
      this.aside.set(i, keys);
      return;
    }
    const text = list.length === 1 ? (list[0] as string) : list.join('\u0000');
    this.counts[i] = list.length;
    this.starts[i] = this.write(text);
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
    this.used = [];
    this.starts = new Float64Array(0);
    this.counts = new Uint8Array(0);
    this.count = 0;
    this.aside.clear();
  }

  private text(i: number): string {
    const start = this.starts[i] as number;
    const block = Math.floor(start / BLOCK);
    const at = start - block * BLOCK;
    // The entry ends where the next one starts, unless that one is in a later block (or there is none).
    const next = i + 1 < this.count ? (this.starts[i + 1] as number) : Infinity;
    const end = next < (block + 1) * BLOCK ? next - block * BLOCK : (this.used[block] as number);
    return (this.blocks[block] as Buffer).toString('utf8', at, end);
  }

  /** Where the next text would start if it fits in the last block. */
  private end(): number {
    const block = this.blocks.length - 1;
    return block < 0 ? 0 : block * BLOCK + (this.used[block] as number);
  }

  /** Writes the text at the end of the arena; returns where it starts. */
  private write(text: string): number {
    const bytes = Buffer.byteLength(text, 'utf8');
    let block = this.blocks.length - 1;
    if (block < 0 || (this.used[block] as number) + bytes > BLOCK) {
      this.blocks.push(Buffer.allocUnsafeSlow(Math.max(BLOCK, bytes)));
      this.used.push(0);
      block++;
    }
    const at = this.used[block] as number;
    (this.blocks[block] as Buffer).write(text, at, 'utf8');
    this.used[block] = at + bytes;
    return block * BLOCK + at;
  }

  private grow(): void {
    // By half, not double: at ten million candidates a doubling leaves some 100 MB unused.
    const size = Math.max(1024, Math.ceil(this.counts.length * 1.5));
    const starts = new Float64Array(size);
    starts.set(this.starts);
    const counts = new Uint8Array(size);
    counts.set(this.counts);
    this.starts = starts;
    this.counts = counts;
  }
}
