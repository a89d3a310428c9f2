import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Connector, PullContext } from '../../src/records/connector.js';
import { SourceInputError } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { resolveFilePatterns, type MatchedFile } from '../shared/files.js';
import { createProgress } from '../shared/progress.js';
import { MessageLocations, messageIdentity } from './dedupe.js';
import { firstField, headerBlockOf, parseHeaderBlock } from './header-fields.js';
import { readMboxMessage, scanMbox } from './mbox.js';
import { messageRecords } from './message-record.js';
import { parseEmailOrNote } from './parse-message.js';
import { emlRef, filePartRef, mboxRef } from './refs.js';
import { isInWindow, messageTime, parseDateHeader, type MessageTime } from './window.js';

/**
 * The `eml` connector: `.eml` files and `.mbox` archives through the same parser as
 * `imap`, into the same records. Like `imap` it makes two passes: headers only (ids,
 * dates, where each message is), then each message streamed from its file, so an
 * archive of any size is never in memory. A message found in several files (a
 * Thunderbird export of Inbox and Sent) is one record listing every location.
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
  const files = await resolveFilePatterns(options.files, context.baseDir);
  const progress = createProgress(context, 'eml');
  const locations = new MessageLocations<FileLocation>();
  const messages: FileMessage[] = [];
  let outsideWindow = 0;
  for (const file of files) {
    for await (const message of messagesOf(file)) {
      if (message.time !== null && !isInWindow(message.time.at, context.window)) {
        outsideWindow++;
        continue;
      }
      locations.add(message.id, message.location);
      messages.push(message);
    }
  }
  progress.expect(messages.length);

  const yielded = new Set<string>();
  let undated = 0;
  let events = 0;
  for (const message of messages) {
    context.signal?.throwIfAborted();
    if (yielded.has(message.id)) continue;
    const parsed = await parseEmailOrNote(message.open()).catch((error: unknown) => {
      throw new SourceInputError(`cannot read the message (${(error as Error).message})`, message.location.ref);
    });
    // Checked again on the parsed Date header: the headers pass only read the raw field.
    const time = messageTime(parsed.date, message.time?.source === 'mbox-postmark' ? message.time : null);
    if (time !== null && !isInWindow(time.at, context.window)) {
      outsideWindow++;
      continue;
    }
    if (time === null) undated++;
    const { location } = message;
    const { records, problems } = messageRecords({
      sourceName: context.sourceName,
      observedAt: context.observedAt,
      id: message.id,
      ref: location.ref,
      locations: [location, ...locations.of(message.id).filter((other) => other.ref !== location.ref)],
      time,
      parsed,
      partRef: (partId) => filePartRef(location.ref, partId),
    });
    for (const problem of problems) context.log(problem);
    for (const record of records) yield record;
    yielded.add(message.id);
    events += records.length - 1;
    progress.add('messages');
  }
  progress.done();
  context.log(
    `eml: ${yielded.size} messages and ${events} calendar events from ${files.length} files; ` +
      `copies already read: ${messages.length - yielded.size}, outside the window: ${outsideWindow}` +
      (undated ? `; ${undated} messages have no readable date and were kept (their time is unknown)` : ''),
  );
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
  const head = await readHead(file);
  const fields = parseHeaderBlock(headerBlockOf(head));
  const { size } = await stat(file.absolutePath);
  return {
    id: messageIdentity(fields, size).id,
    location: { file: file.displayPath, ref: emlRef(file.displayPath) },
    time: messageTime(parseDateHeader(firstField(fields, 'date')), null),
    open: () => createReadStream(file.absolutePath),
  };
}

/** The first 256 KB: enough for any header block worth reading. */
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
