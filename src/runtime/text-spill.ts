import { PackedExtents } from './packed-extents.js';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

/** Bytes gathered before one write, and read at once when texts are read back in order. */
const CHUNK = 1 << 20;
/** A read this close past what was read last continues it: the window moves on. */
const NEAR = 64 * 1024;

/**
 * Texts kept in a file instead of memory, each readable back by its ordinal: what a
 * stage makes by the million and reads once more later (reconcile's candidates, its
 * changes). Memory holds about 2.5 bytes a text: its length in two bytes, and where
 * each group of 16 texts starts (a text starts where the lengths before it in its group
 * add up to), in typed arrays that grow by half; a length of 64 KB or more is kept in a
 * Map. Written and read synchronously: the loops between are synchronous, and the reads
 * small.
 *
 * Texts are mostly read back in about the order they were written, so a read that
 * continues the last one is served from a window of the file read a megabyte at a time;
 * a read elsewhere reads just its text, into a buffer of its own, and leaves the window
 * where the reading in order will come back to.
 */
export class TextSpill {
  private fd: number;
  /** Where each text is in the file (packed-extents.ts). */
  private readonly extents = new PackedExtents(2);
  /** Bytes in the file so far; `pending` holds the next ones, not written yet. */
  private written = 0;
  private pending = Buffer.allocUnsafe(CHUNK);
  private pendingBytes = 0;
  /** A window of the file already read: bytes [windowStart, windowStart + windowBytes). */
  private window = Buffer.allocUnsafe(CHUNK);
  private windowStart = 0;
  private windowBytes = 0;
  private scattered = Buffer.allocUnsafe(64 * 1024);
  /** Where the last text read outside the window ended (-1: none yet). */
  private lastEnd = -1;
  private readCount = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'w+', 0o600);
  }

  get size(): number {
    return this.extents.size;
  }

  /** Reads from the file so far, windows and single texts: what a pass in order costs. */
  get reads(): number {
    return this.readCount;
  }

  /** Keeps one text; returns its ordinal. */
  add(text: string): number {
    const bytes = Buffer.byteLength(text, 'utf8');
    this.extents.add(this.written + this.pendingBytes, bytes);
    if (this.pendingBytes + bytes > this.pending.length) this.flush();
    if (bytes > this.pending.length) this.writeAll(Buffer.from(text, 'utf8'));
    else this.pendingBytes += this.pending.write(text, this.pendingBytes, 'utf8');
    return this.extents.size - 1;
  }

  /** The text kept under this ordinal. */
  text(ordinal: number): string {
    return this.bytes(ordinal).toString('utf8');
  }

  /**
   * The UTF-8 bytes of the text kept under this ordinal, without decoding them: a view
   * into the spill's own buffers, valid only until the next read (copy what must stay).
   * A stage that only moves texts from the spill to a file needs no string of them.
   */
  bytes(ordinal: number): Buffer {
    if (!(ordinal >= 0 && ordinal < this.extents.size)) throw new RangeError(`no spilled text ${ordinal} in ${this.file}`);
    const offset = this.extents.start(ordinal);
    const length = this.extents.length(ordinal);
    if (offset + length > this.written) this.flush();
    const windowEnd = this.windowStart + this.windowBytes;
    if (offset >= this.windowStart && offset + length <= windowEnd) {
      const at = offset - this.windowStart;
      return this.window.subarray(at, at + length);
    }
    // Reading on in order: just past the window, or just past the last text read elsewhere
    // (a pass that starts again from the top while the window is still at the end).
    const continues = (end: number) => offset >= end && offset < end + NEAR;
    if (continues(windowEnd) || continues(this.lastEnd)) {
      if (this.window.length < length) this.window = Buffer.allocUnsafe(length);
      this.windowBytes = this.readAt(this.window, offset, length, Math.min(this.window.length, this.written - offset));
      this.windowStart = offset;
      return this.window.subarray(0, length);
    }
    if (this.scattered.length < length) this.scattered = Buffer.allocUnsafe(length);
    this.readAt(this.scattered, offset, length, length);
    this.lastEnd = offset + length;
    return this.scattered.subarray(0, length);
  }

  /** Closes and deletes the file. */
  remove(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.file, { force: true });
    this.extents.clear();
  }

  /** Reads `want` bytes at `offset` (at least `need` of them must be there); returns how many were read. */
  private readAt(into: Buffer, offset: number, need: number, want: number): number {
    let read = 0;
    this.readCount++;
    while (read < want) {
      const n = readSync(this.fd, into, read, want - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    if (read < need) throw new Error(`${this.file} ended early: was it changed or removed while salvage ran?`);
    return read;
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
