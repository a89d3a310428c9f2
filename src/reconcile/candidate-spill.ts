import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Bytes gathered before one write, and read at once when candidates are read back in order. */
const CHUNK = 1 << 20;

/**
 * A table's candidates in their stored form (see encodeCandidate), in a file rather
 * than in memory: a recovery of ten million records held their texts by the gigabyte.
 * Only each one's place in the file stays in memory, in typed arrays (12 bytes a
 * candidate). Reconcile reads them back mostly in the order they came (its first pass
 * in order, its merge by group, and groups follow their first member), so reads are
 * served from a window of the file read a megabyte at a time.
 */
export class CandidateSpill {
  private fd: number;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private count = 0;
  /** Bytes in the file so far; `pending` holds the next ones, not written yet. */
  private written = 0;
  private pending = Buffer.allocUnsafe(CHUNK);
  private pendingBytes = 0;
  /** A window of the file already read: bytes [windowStart, windowStart + windowBytes). */
  private window = Buffer.allocUnsafe(CHUNK);
  private windowStart = 0;
  private windowBytes = 0;
  private readonly ownDir: string | undefined;
  readonly file: string;

  /** `file`: where to spill (removed by remove()); by default a file in a temporary folder of its own. */
  constructor(file?: string) {
    this.ownDir = file === undefined ? mkdtempSync(path.join(os.tmpdir(), 'salvage-candidates-')) : undefined;
    this.file = file ?? path.join(this.ownDir as string, 'candidates');
    this.fd = openSync(this.file, 'w+', 0o600);
  }

  get size(): number {
    return this.count;
  }

  add(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.count === this.offsets.length) this.grow();
    this.offsets[this.count] = this.written + this.pendingBytes;
    this.lengths[this.count] = bytes;
    this.count++;
    if (this.pendingBytes + bytes > this.pending.length) this.flush();
    if (bytes > this.pending.length) {
      this.writeAll(Buffer.from(text, 'utf8'));
      return;
    }
    this.pending.write(text, this.pendingBytes, 'utf8');
    this.pendingBytes += bytes;
  }

  /** Candidate i's text. */
  text(i: number): string {
    if (i < 0 || i >= this.count) throw new RangeError(`no spilled candidate ${i}`);
    const offset = this.offsets[i] as number;
    const length = this.lengths[i] as number;
    if (offset + length > this.written) this.flush();
    if (offset < this.windowStart || offset + length > this.windowStart + this.windowBytes) this.readWindow(offset, length);
    const at = offset - this.windowStart;
    return this.window.toString('utf8', at, at + length);
  }

  /** Closes and deletes the file (and its folder, when it made one). */
  remove(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.ownDir ?? this.file, { recursive: true, force: true });
    this.offsets = new Float64Array(0);
    this.lengths = new Uint32Array(0);
    this.count = 0;
  }

  private readWindow(offset: number, length: number): void {
    if (this.window.length < length) this.window = Buffer.allocUnsafe(length);
    const want = Math.min(this.window.length, this.written - offset);
    let read = 0;
    while (read < want) {
      const n = readSync(this.fd, this.window, read, want - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    if (read < length) throw new Error(`${this.file} ended early: was it changed or removed while salvage ran?`);
    this.windowStart = offset;
    this.windowBytes = read;
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
    this.writeAll(this.pending.subarray(0, this.pendingBytes));
    this.pendingBytes = 0;
  }

  private writeAll(bytes: Buffer): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.written + done);
    this.written += bytes.length;
  }
}
