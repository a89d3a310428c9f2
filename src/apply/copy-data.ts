import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { SafetyRefusal } from '../errors.js';

/**
 * A staged block's COPY data, as checked when the patch was parsed. In a file, it is
 * not kept: it is read again when COPY sends it (or a rare check decodes its rows), and
 * refused unless it is byte for byte what was checked (its sha256 taken then). A
 * million-row patch.sql is hundreds of megabytes; one block of it is a few.
 */
export interface CopyData {
  readonly byteLength: number;
  /** The exact bytes sent to COPY: the data lines, each ending in a newline, without `\.`. */
  read(): Buffer;
}

export function copyDataInMemory(bytes: Buffer): CopyData {
  return { byteLength: bytes.length, read: () => bytes };
}

/** Bytes [start, end) of `file`, whose sha256 is `sha256`. */
export function copyDataInFile(file: string, start: number, end: number, sha256: string, line: number): CopyData {
  return {
    byteLength: end - start,
    read() {
      const bytes = Buffer.allocUnsafe(end - start);
      const fd = openSync(file, 'r');
      let filled = 0;
      try {
        while (filled < bytes.length) {
          const n = readSync(fd, bytes, filled, bytes.length - filled, start + filled);
          if (n === 0) break;
          filled += n;
        }
      } finally {
        closeSync(fd);
      }
      if (filled !== bytes.length || digestOf(bytes) !== sha256) {
        throw new SafetyRefusal(
          `${file}:${line}: this COPY data changed after apply checked it (the file was edited or replaced while apply ran). ` +
            'apply stops here and its transaction rolls back: nothing is written. Re-run "salvage patch", review, and apply again.',
        );
      }
      return bytes;
    },
  };
}

export function digestOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
