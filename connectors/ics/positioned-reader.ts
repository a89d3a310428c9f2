/**
 * Reads byte ranges of a file by offset. Ranges are asked for mostly in file order, so a
 * window of the file is read at a time: one read per window instead of one per event,
 * while an override far from its master costs one more read, not a scan.
 */
import { type FileHandle, open } from 'node:fs/promises';

const WINDOW_BYTES = 1 << 20;

export class PositionedReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async open(absolutePath: string): Promise<PositionedReader> {
    return new PositionedReader(await open(absolutePath, 'r'));
  }

  /** The UTF-8 text of bytes [start, end). */
  async text(start: number, end: number): Promise<string> {
    if (start < this.windowStart || end > this.windowStart + this.window.length) await this.fill(start, end - start);
    return this.window.toString('utf8', start - this.windowStart, end - this.windowStart);
  }

  private async fill(start: number, length: number): Promise<void> {
    const buffer = Buffer.allocUnsafe(Math.max(WINDOW_BYTES, length));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await this.handle.read(buffer, filled, buffer.length - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled < length) throw new Error(`the file ended at byte ${start + filled}, before ${start + length}; was it changed while being read?`);
    this.window = buffer.subarray(0, filled);
    this.windowStart = start;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
