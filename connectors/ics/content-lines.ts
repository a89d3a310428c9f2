/**
 * An .ics file as a stream of content lines, unfolded exactly as ical.js unfolds them,
 * each with the byte range of its physical lines, so that a later pass can read any
 * component again by offset without the file being held in memory.
 */
import { createReadStream } from 'node:fs';

/** One unfolded content line: its text and where its physical lines lie in the file. */
export interface ContentLine {
  text: string;
  /** Byte offset of its first physical line. */
  start: number;
  /** 1-based number of its first physical line, as an editor counts LF-ended lines. */
  line: number;
  /** Byte offset just after its last physical line's line end. */
  end: number;
}

/**
 * The file is laid out in a way this reader does not reproduce byte for byte; the
 * caller reads it whole instead, so what ical.js makes of it stays the judge.
 */
export class UnindexableFile extends Error {}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Calls `visit` for each content line in file order. Mirrors ical.js's `_eachLine`: only
 * LF ends a line (a CR before it is dropped), a line starting with a space or tab
 * continues the previous one, empty lines are skipped, the last line is trimmed.
 * A lone CR (which parse-failure.ts counts as a line end and ical.js does not) and
 * leading blanks (which ical.js skips) make the file unindexable.
 */
export async function forEachContentLine(absolutePath: string, visit: (line: ContentLine) => void): Promise<void> {
  let pending: ContentLine | undefined;
  let physicalLines = 0;
  const physical = (buffer: Buffer, from: number, to: number, fileStart: number, fileEnd: number): void => {
    physicalLines++;
    const text = buffer.toString('utf8', from, to > from && buffer[to - 1] === CR ? to - 1 : to);
    if (text.includes('\r')) throw new UnindexableFile('a line ends with a lone CR');
    const first = text.charAt(0);
    if (first === ' ' || first === '\t') {
      if (pending === undefined) throw new UnindexableFile('the file starts with blanks');
      pending.text += text.slice(1);
      pending.end = fileEnd;
      return;
    }
    if (pending !== undefined && pending.text !== '') visit(pending);
    pending = { text, start: fileStart, line: physicalLines, end: fileEnd };
  };

  let carried: Buffer[] = []; // the start of a line whose end is in a later chunk
  let carriedLength = 0;
  let carriedStart = 0;
  let read = 0; // bytes of the file seen before the current chunk
  for await (const chunk of createReadStream(absolutePath) as AsyncIterable<Buffer>) {
    const chunkStart = read;
    read += chunk.length;
    // A UTF-8 BOM is not part of the text (readCalendarFile drops it too).
    const skip = chunkStart === 0 && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    if (chunk.indexOf(LF, skip) === -1) {
      if (carriedLength === 0) carriedStart = chunkStart + skip;
      carried.push(chunk.subarray(skip));
      carriedLength += chunk.length - skip;
      continue;
    }
    // Only now, with the line's end in sight, are its pieces joined (once, not per chunk).
    const buffer = carriedLength > 0 ? Buffer.concat([...carried, chunk]) : chunk;
    const bufferStart = carriedLength > 0 ? carriedStart : chunkStart;
    let from = carriedLength > 0 ? 0 : skip;
    for (let newline = buffer.indexOf(LF, from); newline !== -1; newline = buffer.indexOf(LF, from)) {
      physical(buffer, from, newline, bufferStart + from, bufferStart + newline + 1);
      from = newline + 1;
    }
    carried = from < buffer.length ? [buffer.subarray(from)] : [];
    carriedLength = buffer.length - from;
    carriedStart = bufferStart + from;
  }
  if (carriedLength > 0) {
    const rest = Buffer.concat(carried);
    if (rest[rest.length - 1] === CR) throw new UnindexableFile('the file ends with a lone CR');
    physical(rest, 0, rest.length, carriedStart, carriedStart + rest.length);
  }
  if (pending !== undefined) {
    pending.text = pending.text.trim();
    if (pending.text !== '') visit(pending);
  }
}
