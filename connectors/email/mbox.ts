import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback, type Readable } from 'node:stream';
import { PassFieldLines } from './header-fields.js';

/**
 * mbox archives (Gmail Takeout, Thunderbird, support-tool exports): messages one
 * after another, each starting with a `From ` postmark line after an empty line.
 * A body line that starts with `From ` was written as `>From ` (and `>From ` as
 * `>>From `, the mboxrd rule); reading undoes one level. The scan keeps byte offsets
 * only, so the body pass can stream each message from the file on its own.
 */
export interface MboxEntry {
  /** 1-based position in the file: what `file://x.mbox#3` names. */
  index: number;
  /** Byte range of the message (postmark and separating empty line excluded). */
  start: number;
  end: number;
  /** The header block's fields that the headers pass reads (PassFieldLines), as bytes read as latin1. */
  headerText: string;
  /** The postmark's date: when the archiving system stored the message. */
  postmarkDate: Date | null;
}

/**
 * A postmark: `From <sender> <asctime date>`, e.g. `From - Mon Mar  2 10:00:00 2026`
 * or Gmail's `From 1234@xxx Mon Mar 02 10:00:00 +0000 2026`. Requiring the date keeps
 * an unescaped `From here on...` after an empty body line from splitting a message.
 */
const POSTMARK = /^From \S+ +(?:[A-Za-z]{3},? +)?([A-Za-z]{3}) +(\d{1,2}) +(\d{1,2}):(\d{2})(?::(\d{2}))? +(?:([+-]\d{4}|[A-Z]{2,5}) +)?(\d{4})\s*$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export function parsePostmark(line: string): { date: Date | null } | null {
  const match = POSTMARK.exec(line);
  if (!match) return null;
  const [, month, day, hour, minute, second, zone, year] = match;
  const monthIndex = MONTHS.indexOf((month ?? '').toLowerCase());
  if (monthIndex === -1) return null;
  let ms = Date.UTC(Number(year), monthIndex, Number(day), Number(hour), Number(minute), Number(second ?? 0));
  if (zone && /^[+-]\d{4}$/.test(zone)) {
    const sign = zone.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  // asctime has no zone; UTC is the convention (and the time is only a fallback for a missing Date header).
  return { date: Number.isNaN(ms) ? null : new Date(ms) };
}

interface Line {
  text: string;
  start: number;
  /** Offset after the line's newline. */
  end: number;
  blank: boolean;
}

/** Lines of a file with their byte offsets, read in chunks. Only the first 1000 bytes of a line are decoded. */
export async function* linesOf(file: string): AsyncGenerator<Line> {
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let buffer = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let from = 0;
    for (let newline = buffer.indexOf(0x0a, from); newline !== -1; newline = buffer.indexOf(0x0a, from)) {
      yield lineAt(buffer, from, newline + 1, offset);
      offset += newline + 1 - from;
      from = newline + 1;
    }
    carry = buffer.subarray(from);
    buffer = Buffer.alloc(0);
  }
  if (carry.length) yield lineAt(carry, 0, carry.length, offset);
}

function lineAt(buffer: Buffer, from: number, to: number, offset: number): Line {
  const content = buffer.subarray(from, Math.min(to, from + 1000)).toString('latin1').replace(/\r?\n$/, '');
  const blank = content === '' || content === '\r';
  return { text: content, start: offset, end: offset + (to - from), blank };
}

/** Scans an mbox file into message entries; the file is read once, nothing but headers is kept. */
export async function* scanMbox(file: string): AsyncGenerator<MboxEntry> {
  let current: { index: number; start: number; header: PassFieldLines; inHeader: boolean; postmarkDate: Date | null } | null = null;
  let previous: Line | null = null;
  let index = 0;
  let sawAnyLine = false;
  const finish = (end: number): MboxEntry | null => {
    if (current === null) return null;
    return { index: current.index, start: current.start, end: Math.max(current.start, end), headerText: current.header.block(), postmarkDate: current.postmarkDate };
  };
  for await (const line of linesOf(file)) {
    const boundaryAllowed = !sawAnyLine || previous?.blank === true;
    sawAnyLine = true;
    const postmark = line.text.startsWith('From ') && boundaryAllowed ? parsePostmark(line.text) ?? (line.start === 0 ? { date: null } : null) : null;
    if (postmark) {
      // The empty line before a postmark separates messages; it is not part of either.
      const ended = finish(previous?.blank ? previous.start : line.start);
      if (ended) yield ended;
      index++;
      current = { index, start: line.end, header: new PassFieldLines(), inHeader: true, postmarkDate: postmark.date };
    } else if (current?.inHeader) {
      if (line.blank) current.inHeader = false;
      else current.header.add(line.text);
    } else if (current === null && !line.blank) {
      throw new Error('the file does not start with a "From " postmark line, so it is not an mbox archive');
    }
    previous = line;
  }
  const ended = finish(previous?.blank ? previous.start : previous?.end ?? 0);
  if (ended) yield ended;
}

/** Streams one message out of the file, undoing the `>From ` escaping. */
export function readMboxMessage(file: string, entry: MboxEntry): Readable {
  const stream = createReadStream(file, { start: entry.start, end: entry.end - 1 });
  return entry.end > entry.start ? stream.pipe(new FromUnescaper()) : stream;
}

/** Removes one `>` from lines that start with `>`s followed by `From ` (mboxrd). */
export class FromUnescaper extends Transform {
  private partial: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const buffer = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    const lastNewline = buffer.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      this.partial = buffer;
      return done();
    }
    this.partial = buffer.subarray(lastNewline + 1);
    this.push(unescapeLines(buffer.subarray(0, lastNewline + 1)));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.partial.length) this.push(unescapeLines(this.partial));
    done();
  }
}

const ESCAPED_FROM = /^>+From /;

function unescapeLines(buffer: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  while (from < buffer.length) {
    const newline = buffer.indexOf(0x0a, from);
    const to = newline === -1 ? buffer.length : newline + 1;
    const line = buffer.subarray(from, to);
    parts.push(line[0] === 0x3e && ESCAPED_FROM.test(line.subarray(0, 80).toString('latin1')) ? line.subarray(1) : line);
    from = to;
  }
  return Buffer.concat(parts);
}
