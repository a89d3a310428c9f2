import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

/** Bytes gathered before one write to the spill file. */
const WRITE_BYTES = 1 << 20;

/**
 * The changes of a run as JSON text in a file beside the changeset, each readable back
 * by its ordinal. A recovery from a backup months old is mostly new rows: changes held
 * as objects cost several times their text, held here they take a few bytes each
 * in memory. Written and read synchronously: the table stage between them is one
 * synchronous loop, and the reads are small and random (in the order of change ids).
 */
export class ChangeSpill {
  private fd: number;
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes written to the file so far; pending bytes come after these. */
  private written = 0;
  private buffer = Buffer.alloc(64 * 1024);
  /** The bytes of the file in `buffer` when reading ahead: [windowStart, windowStart + windowLength). */
  private windowStart = 0;
  private windowLength = 0;

  /**
   * `readAhead`: bytes read at once when the changes are read back mostly in the order
   * they were added (the patch); 0, the default, reads exactly one change (reconcile
   * reads them in the order of change ids, all over the file).
   */
  constructor(
    readonly file: string,
    private readonly readAhead = 0,
  ) {
    this.fd = openSync(file, 'w+', 0o600);
  }

  get size(): number {
    return this.offsets.length;
  }

  /** Keeps one change's JSON text; returns its ordinal. */
  add(json: string): number {
    const bytes = Buffer.from(json, 'utf8');
    this.offsets.push(this.written + this.pendingBytes);
    this.lengths.push(bytes.length);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= WRITE_BYTES) this.flush();
    return this.offsets.length - 1;
  }

  /** The JSON text kept under this ordinal. */
  text(ordinal: number): string {
    const offset = this.offsets[ordinal];
    const length = this.lengths[ordinal];
    if (offset === undefined || length === undefined) throw new RangeError(`no spilled change ${ordinal}`);
    if (offset + length > this.written) this.flush();
    if (offset < this.windowStart || offset + length > this.windowStart + this.windowLength) this.fill(offset, length);
    return this.buffer.toString('utf8', offset - this.windowStart, offset - this.windowStart + length);
  }

  /** Reads at least `length` bytes at `offset` (up to `readAhead` when reading ahead) into the buffer. */
  private fill(offset: number, length: number): void {
    const want = Math.min(Math.max(length, this.readAhead), this.written - offset);
    if (this.buffer.length < want) this.buffer = Buffer.alloc(want);
    let read = 0;
    while (read < length) {
      const n = readSync(this.fd, this.buffer, read, want - read, offset + read);
      if (n === 0) throw new Error(`${this.file} ended early: was it changed or removed while salvage ran?`);
      read += n;
    }
    this.windowStart = offset;
    this.windowLength = read;
  }

  /** Closes and deletes the file. */
  remove(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.file, { force: true });
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    let done = 0;
    while (done < chunk.length) done += writeSync(this.fd, chunk, done, chunk.length - done, this.written + done);
    this.written += chunk.length;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
