import { closeSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Change } from './changeset.js';

const WINDOW_BYTES = 1 << 20;

/**
 * Reads change lines of changeset.json back by offset. Reports and the patch ask for
 * them mostly in file order (one kind of one table at a time), so a window of the file
 * is read at once.
 */
export class ChangeReader {
  private fd: number | undefined;
  private window = Buffer.alloc(0);
  private windowStart = 0;

  /** Opens the file now: what is read later is this file, even if a new changeset replaces it meanwhile. */
  constructor(private readonly file: string) {
    this.fd = openSync(file, 'r');
  }

  change(offset: number, bytes: number): Change {
    if (offset < this.windowStart || offset + bytes > this.windowStart + this.window.length) this.fill(offset, bytes);
    const text = this.window.toString('utf8', offset - this.windowStart, offset - this.windowStart + bytes);
    try {
      return JSON.parse(text) as Change;
    } catch {
      throw this.changed();
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private fill(offset: number, bytes: number): void {
    if (this.fd === undefined) throw new Error(`${this.file} was already closed`);
    const buffer = this.window.length >= Math.max(WINDOW_BYTES, bytes) ? this.window : Buffer.allocUnsafe(Math.max(WINDOW_BYTES, bytes));
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(this.fd, buffer, filled, buffer.length - filled, offset + filled);
      if (read === 0) break;
      filled += read;
    }
    if (filled < bytes) throw this.changed();
    this.window = buffer.subarray(0, filled);
    this.windowStart = offset;
  }

  private changed(): UsageError {
    return new UsageError(`${this.file} changed while it was being read (did a reconcile run meanwhile?); run the command again`);
  }
}
