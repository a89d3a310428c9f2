import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

/** Bytes gathered before one write, and read at once when texts are read back in order. */
const CHUNK = 1 << 20;
/** A read this close past what was read last continues it: the window moves on. */
const NEAR = 64 * 1024;

/**
 * Texts kept in a file instead of memory, each readable back by its ordinal: what a
 * stage makes by the million and reads once more later (reconcile's candidates, its
 * changes). Memory holds 8 bytes a text (where it starts: it ends where the next one
 * starts), in a typed array that grows by half. Written and read
 * synchronously: the loops between are synchronous, and the reads small.
 *
 * Texts are mostly read back in about the order they were written, so a read that
 * continues the last one is served from a window of the file read a megabyte at a time;
 * a read elsewhere reads just its text, into a buffer of its own, and leaves the window
 * where the reading in order will come back to.
 */
export class TextSpill {
  private fd: number;
  private offsets = new Float64Array(1024);
  private count = 0;
  /** Bytes in the file so far; `pending` holds the next ones, not written yet. */
  private written = 0;
  private pending = Buffer.allocUnsafe(CHUNK);
  private pendingBytes = 0;
  /** A window of the file already read: bytes [windowStart, windowStart + windowBytes). */
  private window = Buffer.allocUnsafe(CHUNK);
  private windowStart = 0;
  private windowBytes = 0;
  private scattered = Buffer.allocUnsafe(64 * 1024);

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w+', 0o600);
  }

  get size(): number {
    return this.count;
  }

  /** Keeps one text; returns its ordinal. */
  add(text: string): number {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.count === this.offsets.length) this.grow();
    this.offsets[this.count] = this.written + this.pendingBytes;
    if (this.pendingBytes + bytes > this.pending.length) this.flush();
    if (bytes > this.pending.length) this.writeAll(Buffer.from(text, 'utf8'));
    else this.pendingBytes += this.pending.write(text, this.pendingBytes, 'utf8');
    return this.count++;
  }

  /** The text kept under this ordinal. */
  text(ordinal: number): string {
    if (!(ordinal >= 0 && ordinal < this.count)) throw new RangeError(`no spilled text ${ordinal} in ${this.file}`);
    const offset = this.offsets[ordinal] as number;
    const length = (ordinal + 1 < this.count ? (this.offsets[ordinal + 1] as number) : this.written + this.pendingBytes) - offset;
    if (offset + length > this.written) this.flush();
    const windowEnd = this.windowStart + this.windowBytes;
    if (offset >= this.windowStart && offset + length <= windowEnd) {
      const at = offset - this.windowStart;
      return this.window.toString('utf8', at, at + length);
    }
    if (offset >= windowEnd && offset < windowEnd + NEAR) {
      if (this.window.length < length) this.window = Buffer.allocUnsafe(length);
      this.windowBytes = this.readAt(this.window, offset, length, Math.min(this.window.length, this.written - offset));
      this.windowStart = offset;
      return this.window.toString('utf8', 0, length);
    }
    if (this.scattered.length < length) this.scattered = Buffer.allocUnsafe(length);
    this.readAt(this.scattered, offset, length, length);
    return this.scattered.toString('utf8', 0, length);
  }

  /** Closes and deletes the file. */
  remove(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.file, { force: true });
    this.offsets = new Float64Array(0);
    this.count = 0;
  }

  /** Reads `want` bytes at `offset` (at least `need` of them must be there); returns how many were read. */
  private readAt(into: Buffer, offset: number, need: number, want: number): number {
    let read = 0;
    while (read < want) {
      const n = readSync(this.fd, into, read, want - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    if (read < need) throw new Error(`${this.file} ended early: was it changed or removed while salvage ran?`);
    return read;
  }

  private grow(): void {
    // By half, not double: at ten million texts the slack is 40 MB, not 80.
    const offsets = new Float64Array(Math.ceil(this.offsets.length * 1.5));
    offsets.set(this.offsets);
    this.offsets = offsets;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    this.writeAll(this.pending.subarray(0, this.pendingBytes));
    this.pendingBytes = 0;
  }

  private writeAll(bytes: Buffer): void {
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.written + done);
    } catch (error) {
      // writeSync names no file: a full disk is reported with the spill's path, the file the user must make room for.
      (error as NodeJS.ErrnoException).path ??= this.file;
      throw error;
    }
    this.written += bytes.length;
  }
}
