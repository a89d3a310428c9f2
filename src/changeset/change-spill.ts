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
  /** Per change, in typed arrays: a number in a plain array costs 8 to 16 bytes. */
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private count = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes written to the file so far; pending bytes come after these. */
  private written = 0;
  private buffer = Buffer.alloc(64 * 1024);

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w+', 0o600);
  }

  get size(): number {
    return this.count;
  }

  /** Keeps one change's JSON text; returns its ordinal. */
  add(json: string): number {
    const bytes = Buffer.from(json, 'utf8');
    if (this.count === this.offsets.length) this.grow();
    this.offsets[this.count] = this.written + this.pendingBytes;
    this.lengths[this.count] = bytes.length;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= WRITE_BYTES) this.flush();
    return this.count++;
  }

  /** The JSON text kept under this ordinal. */
  text(ordinal: number): string {
    const offset = ordinal < this.count ? this.offsets[ordinal] : undefined;
    const length = ordinal < this.count ? this.lengths[ordinal] : undefined;
    if (offset === undefined || length === undefined) throw new RangeError(`no spilled change ${ordinal}`);
    if (offset >= this.written) this.flush();
    if (this.buffer.length < length) this.buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.fd, this.buffer, read, length - read, offset + read);
      if (n === 0) throw new Error(`${this.file} ended early: was it changed or removed while salvage ran?`);
      read += n;
    }
    return this.buffer.toString('utf8', 0, length);
  }

  /** Closes and deletes the file. */
  remove(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.file, { force: true });
  }

  private grow(): void {
    const offsets = new Float64Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const lengths = new Uint32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
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
