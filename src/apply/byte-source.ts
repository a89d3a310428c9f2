import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The bytes of a patch file as apply's parser reads them: by absolute offset, front to
 * back. A file is read through a window that holds only what the parser has not yet
 * released (a statement, or one block's COPY data), not the whole file: a recovery of ten
 * million rows writes a patch.sql of gigabytes.
 */
export interface ByteSource {
  /** The file's size in bytes. */
  readonly length: number;
  /** The first offset at or after `from` where `needle` starts, or -1. */
  indexOf(needle: Buffer | number, from: number): number;
  /** Bytes [start, end): still held, not released. */
  subarray(start: number, end: number): Buffer;
  /** The byte at `at`, or undefined past the end. */
  at(at: number): number | undefined;
  /** The parser needs nothing before `offset` again. */
  release(offset: number): void;
}

/** Bytes already in memory (a patch given as text, in tests and small tools). */
export function bufferSource(bytes: Buffer): ByteSource {
  return {
    length: bytes.length,
    indexOf: (needle, from) => bytes.indexOf(needle, from),
    subarray: (start, end) => bytes.subarray(start, end),
    at: (at) => bytes[at],
    release: () => undefined,
  };
}

/** How much a window reads at a time. */
const CHUNK = 4 << 20;

/**
 * A file read front to back, once, through a window; the sha256 of every byte read is
 * taken on the way, so the caller can prove the bytes it parsed are the bytes it verified.
 */
export class FileWindow implements ByteSource {
  readonly length: number;
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  /** The bytes [base, base + held.length) of the file. */
  private held: Buffer = Buffer.alloc(0);
  private base = 0;
  /** Bytes before this offset may be dropped. */
  private releasedTo = 0;
  private closed = false;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'r');
    this.length = fstatSync(this.fd).size;
  }

  indexOf(needle: Buffer | number, from: number): number {
    const width = typeof needle === 'number' ? 1 : needle.length;
    let searchFrom = Math.max(from, this.base);
    for (;;) {
      const found = this.held.indexOf(needle, Math.max(searchFrom, this.base) - this.base);
      if (found >= 0) return this.base + found;
      const end = this.base + this.held.length;
      if (!this.readMore()) return -1;
      // A needle may straddle the old end: search again from just before it.
      searchFrom = Math.max(searchFrom, end - width + 1);
    }
  }

  subarray(start: number, end: number): Buffer {
    const to = Math.min(end, this.length);
    if (start < this.base) throw new Error(`byte ${start} of ${this.file} was already released`);
    while (this.base + this.held.length < to) if (!this.readMore()) break;
    return this.held.subarray(start - this.base, to - this.base);
  }

  at(at: number): number | undefined {
    if (at >= this.length) return undefined;
    return this.subarray(at, at + 1)[0];
  }

  release(offset: number): void {
    // Dropped when the next chunk is read: releasing is per statement, copying is per chunk.
    this.releasedTo = Math.max(this.releasedTo, Math.min(offset, this.base + this.held.length));
  }

  /** Reads what is left unread, so the digest covers the whole file, and returns it; closes the file. */
  finish(): string {
    do this.release(this.base + this.held.length);
    while (this.readMore());
    this.close();
    return this.hash.digest('hex');
  }

  /** Closes the file, once: a descriptor number closed twice may by then be another file's. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private readMore(): boolean {
    const at = this.base + this.held.length;
    if (at >= this.length) return false;
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, this.length - at));
    let filled = 0;
    while (filled < chunk.length) {
      const n = readSync(this.fd, chunk, filled, chunk.length - filled, at + filled);
      if (n === 0) break; // the file shrank since it was opened: the digest will not match
      filled += n;
    }
    if (filled === 0) return false;
    const read = chunk.subarray(0, filled);
    this.hash.update(read);
    const kept = this.held.subarray(this.releasedTo - this.base);
    // A new buffer, so the released bytes' memory goes with them (a subarray would keep it).
    this.held = kept.length === 0 ? read : Buffer.concat([kept, read]);
    this.base = this.releasedTo;
    return true;
  }
}
