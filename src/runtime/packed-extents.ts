/** Items per group: where a group starts is kept, and each item's length. */
const GROUP = 16;

/**
 * Where each of millions of consecutive byte ranges starts and how long it is, in about
 * 1.5 to 2.5 bytes an item instead of 8: each item's length in one or two bytes (a
 * length that does not fit is kept aside in a Map), and where each group of 16 starts.
 * An item starts where its group starts plus the lengths before it in the group. Used
 * by TextSpill (texts in a file) and KeyTexts (keys in an arena).
 */
export class PackedExtents {
  private starts = new Float64Array(1024 / GROUP);
  private lengths: Uint8Array | Uint16Array;
  private readonly longs = new Map<number, number>();
  private count = 0;
  /** The largest length kept inline; it also marks a length kept aside. */
  private readonly long: number;

  /** `width`: bytes per inline length (1: up to 254; 2: up to 65,534). */
  constructor(private readonly width: 1 | 2) {
    this.long = width === 1 ? 0xff : 0xffff;
    this.lengths = this.lengthArray(1024);
  }

  get size(): number {
    return this.count;
  }

  /** The next item, of `length` bytes starting at `start` (right after the one before it, except at a group's start). */
  add(start: number, length: number): void {
    if (this.count === this.lengths.length) this.grow();
    if (this.count % GROUP === 0) this.starts[this.count / GROUP] = start;
    this.lengths[this.count] = Math.min(length, this.long);
    if (length >= this.long) this.longs.set(this.count, length);
    this.count++;
  }

  start(i: number): number {
    const first = i - (i % GROUP);
    let at = this.starts[first / GROUP] as number;
    for (let j = first; j < i; j++) at += this.length(j);
    return at;
  }

  length(i: number): number {
    const length = this.lengths[i] as number;
    return length === this.long ? (this.longs.get(i) as number) : length;
  }

  clear(): void {
    this.starts = new Float64Array(0);
    this.lengths = this.lengthArray(0);
    this.longs.clear();
    this.count = 0;
  }

  private lengthArray(size: number): Uint8Array | Uint16Array {
    return this.width === 1 ? new Uint8Array(size) : new Uint16Array(size);
  }

  private grow(): void {
    // By half, not double (ten million items), and in whole groups.
    const size = Math.max(1024, Math.ceil((this.lengths.length * 1.5) / GROUP) * GROUP);
    const lengths = this.lengthArray(size);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const starts = new Float64Array(size / GROUP);
    starts.set(this.starts);
    this.starts = starts;
  }
}
