import { createReadStream } from 'node:fs';

/**
 * The layout reconcile writes changeset.json in: a head line ending in `"changes":[`,
 * one change per line (each but the last followed by a comma), then tail lines starting
 * with `]`. Read that way, a million-change file is never one string in memory.
 */
export interface ChangesetLayout {
  /** The head line and the tail lines: parsed together (`head + tail`), the changeset without its changes. */
  head: string;
  tail: string;
}

export interface ScanHandlers {
  /** The head line, before any change; returning false stops the scan (the caller reads the file whole). */
  onHead?: (head: string) => boolean;
  /** Every chunk of the file as read (for a hash or a progress bar). */
  onChunk?: (chunk: Buffer) => void;
  /**
   * One change's JSON text, without its comma, at `offset` for `bytes` bytes of the file.
   * Returning false stops the scan: the file is not laid out after all.
   */
  onChange: (text: string, offset: number, bytes: number) => boolean;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;

/**
 * Scans changeset.json line by line. Returns undefined when the file is not in
 * reconcile's layout (edited by hand, pretty-printed): the caller reads it whole.
 */
export async function scanChangeset(file: string, handlers: ScanHandlers): Promise<ChangesetLayout | undefined> {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  let head: string | undefined;
  let tail = '';
  let inChanges = false;
  let carry: Buffer | undefined;
  let carryOffset = 0;
  let position = 0;

  /** One line [start, end) of `buffer`, which begins at file offset `base`. False: not laid out. */
  const line = (buffer: Buffer, start: number, end: number, base: number): boolean => {
    let stop = end;
    if (stop > start && buffer[stop - 1] === CR) stop--;
    if (head === undefined) {
      head = buffer.toString('utf8', start, stop);
      inChanges = head.endsWith('"changes":[');
      return inChanges && (handlers.onHead?.(head) ?? true);
    }
    if (inChanges && buffer[start] === 0x5d /* ] */) inChanges = false;
    if (!inChanges) {
      tail += `${tail === '' ? '' : '\n'}${buffer.toString('utf8', start, stop)}`;
      return true;
    }
    if (stop === start) return true; // a blank line between changes
    if (buffer[stop - 1] === COMMA) stop--;
    return handlers.onChange(buffer.toString('utf8', start, stop), base + start, stop - start);
  };

  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      handlers.onChunk?.(chunk);
      const chunkOffset = position;
      position += chunk.length;
      let from = 0;
      let at = chunk.indexOf(NEWLINE);
      if (carry !== undefined && at >= 0) {
        const joined = Buffer.concat([carry, chunk.subarray(0, at)]);
        carry = undefined;
        if (!line(joined, 0, joined.length, carryOffset)) return undefined;
        from = at + 1;
        at = chunk.indexOf(NEWLINE, from);
      }
      while (at >= 0) {
        if (!line(chunk, from, at, chunkOffset)) return undefined;
        from = at + 1;
        at = chunk.indexOf(NEWLINE, from);
      }
      if (from < chunk.length) {
        if (carry === undefined) {
          carry = Buffer.from(chunk.subarray(from));
          carryOffset = chunkOffset + from;
        } else carry = Buffer.concat([carry, chunk]);
      }
    }
    if (carry !== undefined && !line(carry, 0, carry.length, carryOffset)) return undefined;
  } finally {
    input.destroy();
  }
  // A file that ends inside the changes is not whole: reading it whole gives the JSON error to report.
  if (head === undefined || inChanges) return undefined;
  return { head, tail };
}
