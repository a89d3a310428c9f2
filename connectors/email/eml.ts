import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Connector, PullContext } from '../../src/records/connector.js';
import { SourceInputError } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { resolveFilePatterns, type MatchedFile } from '../shared/files.js';
import { createProgress } from '../../src/runtime/source-progress.js';
import { contentDigest, messageIdentity, variantId } from './dedupe.js';
import { firstField, parseHeaderBlock, PassFieldLines } from './header-fields.js';
import { linesOf, readMboxMessage, scanMbox } from './mbox.js';
import { messageRecords } from './message-record.js';
import { parseEmailOrNote, type ParsedEmail } from './parse-message.js';
import { emlRef, filePartRef, mboxRef } from './refs.js';
import { isInWindow, messageTime, parseDateHeader, type MessageTime } from './window.js';

/**
 * The `eml` connector: `.eml` files and `.mbox` archives through the same parser as
 * `imap`, into the same records. Like `imap` it makes two passes: headers only (ids,
 * dates, where each message is), then each message streamed from its file, so an
 * archive of any size is never in memory. A message found in several files (a
 * Thunderbird export of Inbox and Sent) is one record listing every location; a
 * different body under the same Message-ID is a record of its own (variantsOf).
 */
export interface EmlSourceOptions {
  /** Glob patterns relative to the config's directory: `exports/mail/**\/*.eml`, `exports/*.mbox`. */
  files: string[];
}

export function emlConnector(options: EmlSourceOptions): Connector {
  return { kind: 'eml', pull: (context) => pullFiles(options, context) };
}

export type FileLocation = {
  file: string;
  /** The message's position in an mbox (1-based); absent for an .eml file. */
  index?: number;
  ref: string;
};

/** One message of the headers pass. */
interface FileMessage {
  id: string;
  location: FileLocation;
  time: MessageTime | null;
  open: () => Readable;
}

async function* pullFiles(options: EmlSourceOptions, context: PullContext): AsyncGenerator<SourceRecord> {
  const files = await resolveFilePatterns(options.files, context.baseDir, context.log);
  // The headers pass reads every file once before the first record: on a large mbox that is
  // the long part, so it has a line of its own (its count is not logged: the totals below say it).
  const scan = createProgress(context, 'eml headers');
  scan.add('messages', 0);
  // Every copy of every Message-ID, in the order first seen: the first copy's record names them all.
  const copiesById = new Map<string, FileMessage[]>();
  let inWindow = 0;
  let outsideWindow = 0;
  for (const file of files) {
    for await (const message of messagesOf(file)) {
      scan.add('messages');
      if (message.time !== null && !isInWindow(message.time.at, context.window)) {
        outsideWindow++;
        continue;
      }
      const copies = copiesById.get(message.id);
      if (copies) copies.push(message);
      else copiesById.set(message.id, [message]);
      inWindow++;
    }
  }
  scan.done(false);
  const progress = createProgress(context, 'eml');
  progress.expect(inWindow);

  let yielded = 0;
  let copiesRead = 0;
  let undated = 0;
  let events = 0;
  for (const [id, copies] of copiesById) {
    for (const variant of await variantsOf(id, copies, context)) {
      const [first] = variant.copies as [FileMessage, ...FileMessage[]];
      // Checked again on the parsed Date header: the headers pass only read the raw field. A message
      // the parser refused (no parsed Date) keeps the time its headers pass found.
      const time = messageTime(variant.parsed.date, first.time);
      if (time !== null && !isInWindow(time.at, context.window)) {
        outsideWindow += variant.copies.length;
        continue;
      }
      if (time === null) undated++;
      if (variant.id !== id) context.log(`warning: ${first.location.ref}: ${variantNote(id, variant.id, copies[0]?.location.ref)}`);
      const { records, problems } = messageRecords({
        sourceName: context.sourceName,
        observedAt: context.observedAt,
        id: variant.id,
        ref: first.location.ref,
        locations: variant.copies.map((copy) => copy.location),
        time,
        parsed: variant.parsed,
        partRef: (partId) => filePartRef(first.location.ref, partId),
      });
      for (const problem of problems) context.log(problem);
      for (const record of records) yield record;
      yielded++;
      copiesRead += variant.copies.length - 1;
      events += records.length - 1;
      progress.add('messages');
    }
  }
  progress.done();
  context.log(
    `eml: ${yielded} messages and ${events} calendar events from ${files.length} files; ` +
      `copies already read: ${copiesRead}, outside the window: ${outsideWindow}` +
      (undated ? `; ${undated} messages have no readable date and were kept (their time is unknown)` : ''),
  );
}

/** One content under a Message-ID: the record it becomes and every copy holding it. */
interface Variant {
  id: string;
  digest: string;
  parsed: ParsedEmail;
  copies: FileMessage[];
}

/**
 * The copies of one Message-ID, grouped by content. Copies of one message (Inbox and Sent
 * of an export) have the same body and are one record. Different bodies under one id (a
 * mailer that reuses its Message-ID, an edited resend) are different evidence: each
 * becomes its own record, or all but the first would be lost without a word. A lone
 * message is parsed once, as before; only ids found several times parse every copy.
 */
async function variantsOf(id: string, copies: FileMessage[], context: PullContext): Promise<Variant[]> {
  const variants: Variant[] = [];
  for (const copy of copies) {
    context.signal?.throwIfAborted();
    const parsed = await parseEmailOrNote(copy.open()).catch((error: unknown) => {
      throw new SourceInputError(`cannot read the message (${(error as Error).message})`, copy.location.ref);
    });
    const digest = copies.length === 1 ? '' : contentDigest(parsed);
    const same = variants.find((variant) => variant.digest === digest);
    if (same) same.copies.push(copy);
    else variants.push({ id: variants.length === 0 ? id : variantId(id, digest), digest, parsed, copies: [copy] });
  }
  return variants;
}

function variantNote(id: string, variantId: string, firstRef: string | undefined): string {
  const what = id.startsWith('sha256:') ? `the id ${id} (no Message-ID: a hash of headers and size)` : `the Message-ID ${id}`;
  return `${what} is also on ${firstRef ?? 'another message'}, with a different body; this body is kept as its own record, id ${variantId}`;
}

/** The messages of one file: an mbox archive, or a single message. */
async function* messagesOf(file: MatchedFile): AsyncGenerator<FileMessage> {
  if (!(await isMbox(file))) {
    yield await emlMessage(file);
    return;
  }
  try {
    for await (const entry of scanMbox(file.absolutePath)) {
      const fields = parseHeaderBlock(entry.headerText);
      const dateHeader = parseDateHeader(firstField(fields, 'date'));
      yield {
        id: messageIdentity(fields, entry.end - entry.start).id,
        location: { file: file.displayPath, index: entry.index, ref: mboxRef(file.displayPath, entry.index) },
        time: messageTime(dateHeader, entry.postmarkDate ? { at: entry.postmarkDate, source: 'mbox-postmark' } : null),
        open: () => readMboxMessage(file.absolutePath, entry),
      };
    }
  } catch (error) {
    if (error instanceof SourceInputError) throw error;
    throw new SourceInputError(`cannot read the mbox archive (${(error as Error).message})`, file.displayPath);
  }
}

async function emlMessage(file: MatchedFile): Promise<FileMessage> {
  const fields = parseHeaderBlock(await passFieldsOf(file));
  const { size } = await stat(file.absolutePath);
  return {
    id: messageIdentity(fields, size).id,
    location: { file: file.displayPath, ref: emlRef(file.displayPath) },
    time: messageTime(parseDateHeader(firstField(fields, 'date')), null),
    open: () => createReadStream(file.absolutePath),
  };
}

/** The header block's lines that the headers pass reads, however long the block (PassFieldLines). */
async function passFieldsOf(file: MatchedFile): Promise<string> {
  const kept = new PassFieldLines();
  try {
    for await (const line of linesOf(file.absolutePath)) {
      if (line.blank) break;
      kept.add(line.text);
    }
  } catch (error) {
    throw new SourceInputError(`cannot read the file (${String((error as { code?: unknown }).code)})`, file.displayPath);
  }
  return kept.block();
}

/** The first 256 KB, for a look at how the file starts. */
async function readHead(file: MatchedFile): Promise<Buffer> {
  const handle = await open(file.absolutePath, 'r').catch((error: unknown) => {
    throw new SourceInputError(`cannot read the file (${String((error as { code?: unknown }).code)})`, file.displayPath);
  });
  try {
    const buffer = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** `.mbox`/`.mbx` by name; otherwise by content (Thunderbird's folder files have no extension). */
async function isMbox(file: MatchedFile): Promise<boolean> {
  if (/\.(mbox|mbx)$/i.test(file.displayPath)) return true;
  if (/\.eml$/i.test(file.displayPath)) return false;
  const head = await readHead(file);
  return head.subarray(0, 5).toString('latin1') === 'From ';
}
