import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MailParser, type AddressObject, type AttachmentStream, type EmailAddress, type HeaderLines, type Headers, type MessageText } from 'mailparser';
import { consumeAttachment, type AttachmentSummary, type CalendarAttachment } from './attachments.js';
import { normalizeMessageId } from './dedupe.js';
import { parseHeaderBlock, firstField } from './header-fields.js';
import { htmlToText } from './html-text.js';
import { parseDateHeader } from './window.js';

/**
 * One message parsed by mailparser's streaming parser: the fields a mapping rule
 * wants, and attachments as summaries. Works on a Buffer or a stream, so a large
 * message is never held whole: attachments flow through a hash and are dropped.
 */
export interface EmailAddressData {
  name: string | null;
  address: string | null;
  /** Members of a group (`Team: a@x, b@y;`). */
  group?: EmailAddressData[];
}

export interface ParsedEmail {
  /** `<id@host>`, or null when the message has none. */
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string | null;
  /** The Date header as an instant; null when missing or unreadable (mailparser would say "now"). */
  date: Date | null;
  /** The Date header as written, for a human checking an odd one. */
  dateHeader: string | null;
  from: EmailAddressData | null;
  /** Every From address (nearly always one). */
  fromAll: EmailAddressData[];
  to: EmailAddressData[];
  cc: EmailAddressData[];
  bcc: EmailAddressData[];
  replyTo: EmailAddressData[];
  text: string | null;
  html: string | null;
  htmlAsText: string | null;
  attachments: AttachmentSummary[];
  calendars: CalendarAttachment[];
  /** Headers that help a reviewer or a rule (list, auto-reply, mailer, labels, X- fields). */
  headers: Record<string, string | string[]>;
  /** Things a human should know about this message (an invite too large to read...). */
  warnings: string[];
}

/** HTML longer than this is not converted to text: html-to-text is slow on huge or deeply nested documents. */
const MAX_HTML_TO_CONVERT = 2_000_000;

/**
 * The most MIME nodes a message may have, its root included: a thousand parts under the
 * root. mailparser's default (1000) counts the root too, so it refused a message with a
 * thousand attachments, which is not "over a thousand MIME parts" (parseEmailOrNote).
 */
const MAX_MIME_NODES = 1001;

/**
 * Like parseEmail, but a message mailparser rejects (a header block over 1 MB, over a
 * thousand MIME parts) still becomes a record: empty fields and a warning saying why,
 * next to the id, time and location the headers pass found. Errors reading the input
 * itself (a file, the connection) are not the message's fault and are thrown.
 */
export async function parseEmailOrNote(source: Buffer | Readable): Promise<ParsedEmail> {
  try {
    return await parseEmail(source);
  } catch (error) {
    if (error instanceof InputFailure) throw error.failure;
    return unreadableMessage(`the message could not be parsed (${(error as Error).message}); only its headers were read`);
  }
}

/** The input (a file, the connection) failed while a message was read: not the message's fault. */
class InputFailure extends Error {
  constructor(readonly failure: unknown) {
    super((failure as Error).message);
  }
}

function unreadableMessage(warning: string): ParsedEmail {
  return {
    messageId: null, inReplyTo: null, references: [], subject: null, date: null, dateHeader: null, from: null, fromAll: [],
    to: [], cc: [], bcc: [], replyTo: [], text: null, html: null, htmlAsText: null, attachments: [], calendars: [], headers: {},
    warnings: [warning],
  };
}

export async function parseEmail(source: Buffer | Readable): Promise<ParsedEmail> {
  const parser = new MailParser({ checksumAlgo: 'sha256', skipTextToHtml: true, skipImageLinks: true, maxHtmlLengthToParse: MAX_HTML_TO_CONVERT, maxChildNodes: MAX_MIME_NODES });
  let headers: Headers = new Map();
  let headerLines: HeaderLines = [];
  let body: MessageText = { type: 'text' };
  const attachments: AttachmentSummary[] = [];
  const calendars: CalendarAttachment[] = [];
  const warnings: string[] = [];
  const pending: Array<Promise<void>> = [];

  parser.on('headers', (value: Headers) => (headers = value));
  parser.on('headerLines', (value: HeaderLines) => (headerLines = value));
  parser.on('data', (data: AttachmentStream | MessageText) => {
    if (data.type === 'text') {
      body = data;
      return;
    }
    pending.push(
      consumeAttachment(data).then(({ summary, calendarText, oversizedCalendar }) => {
        attachments.push(summary);
        if (calendarText !== null) calendars.push({ summary, text: calendarText });
        if (oversizedCalendar) warnings.push(`calendar attachment ${summary.name ?? summary.partId ?? ''} is larger than 1 MB and was not read`);
      }),
    );
  });

  const ended = new Promise<void>((resolve, reject) => {
    parser.once('end', resolve);
    parser.once('error', reject);
  });
  // On a stream, pipeline() rejects with the parser's error before `ended` is awaited; unhandled,
  // that second rejection would end the process (one oversized message stopping the whole pull).
  ended.catch(() => undefined);
  // Whose fault a failure is depends on which side failed first: pipeline() destroys the other
  // side with the same error, so a message the parser refuses makes its input stream fail too.
  let parserFailed = false;
  let inputFailed = false;
  parser.once('error', () => (parserFailed = true));
  if (!Buffer.isBuffer(source)) source.once('error', () => (inputFailed ||= !parserFailed));
  try {
    // A buffer goes in directly (a stream wrapper around it costs more than the parse of a small message).
    if (Buffer.isBuffer(source)) parser.end(source);
    else await pipeline(source, parser);
    await ended;
    await Promise.all(pending);
  } catch (error) {
    throw inputFailed ? new InputFailure(error) : error;
  }

  const raw = parseHeaderBlock(headerLines.map((entry) => entry.line).join('\r\n'));
  const dateHeader = firstField(raw, 'date');
  const html = typeof body.html === 'string' && body.html !== '' ? body.html : null;
  const fromAll = addresses(headers.get('from'));
  const parsed: ParsedEmail = {
    messageId: normalizeMessageId(stringHeader(headers, 'message-id')),
    inReplyTo: normalizeMessageId(stringHeader(headers, 'in-reply-to')),
    references: referencesOf(headers.get('references')),
    subject: stringHeader(headers, 'subject'),
    date: parseDateHeader(dateHeader),
    dateHeader,
    from: fromAll[0] ?? null,
    fromAll,
    to: addresses(headers.get('to')),
    cc: addresses(headers.get('cc')),
    bcc: addresses(headers.get('bcc')),
    replyTo: addresses(headers.get('reply-to')),
    text: body.text ?? null,
    html,
    htmlAsText: html === null || html.length > MAX_HTML_TO_CONVERT ? null : htmlToText(html),
    attachments: attachments.sort(byPartId),
    calendars: calendars.sort((a, b) => byPartId(a.summary, b.summary)),
    headers: usefulHeaders(headers),
    warnings,
  };
  const damaged = undecodedFields(parsed);
  if (damaged.length) warnings.push(`characters that could not be decoded (an unknown or wrong charset) were replaced by U+FFFD in: ${damaged.join(', ')}`);
  return parsed;
}

/**
 * The fields holding U+FFFD: bytes their charset could not read (a charset nobody knows,
 * `x-unknown-foo`; raw Latin-1 in a header, read as UTF-8). mailparser replaces them
 * without a word, and a damaged name or reference is what a reviewer must hear about.
 */
function undecodedFields(parsed: ParsedEmail): string[] {
  const names = (list: EmailAddressData[]) => list.map((address) => address.name ?? '').join('\n');
  const fields: Array<[string, string | null]> = [
    ['subject', parsed.subject], ['from', names(parsed.fromAll)], ['to', names(parsed.to)], ['cc', names(parsed.cc)],
    ['text', parsed.text], ['html', parsed.html],
  ];
  return fields.filter(([, value]) => value?.includes('\uFFFD')).map(([name]) => name);
}

/** Attachments finish in stream order; sorting by part number keeps records identical across runs. */
function byPartId(a: AttachmentSummary, b: AttachmentSummary): number {
  return (a.partId ?? '').localeCompare(b.partId ?? '', 'en', { numeric: true });
}

function stringHeader(headers: Headers, name: string): string | null {
  const value = headers.get(name);
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return null;
}

function referencesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/) : [];
  return list.map((item) => normalizeMessageId(String(item))).filter((item): item is string => item !== null);
}

function addresses(value: unknown): EmailAddressData[] {
  const objects = (Array.isArray(value) ? value : value ? [value] : []) as AddressObject[];
  return objects.flatMap((object) => (object.value ?? []).map(toAddress));
}

function toAddress(entry: EmailAddress): EmailAddressData {
  const address: EmailAddressData = { name: entry.name?.trim() || null, address: entry.address?.trim() || null };
  if (entry.group) address.group = entry.group.map(toAddress);
  return address;
}

/** Headers a rule or reviewer may want beyond the ones above; noisy relay and spam headers are left out. */
const USEFUL_HEADERS = new Set([
  'sender', 'return-path', 'delivered-to', 'x-original-to', 'list-id', 'auto-submitted', 'precedence',
  'x-mailer', 'user-agent', 'content-language', 'importance', 'x-priority', 'x-gmail-labels', 'organization',
]);
const NOISY_X_HEADER = /^x-(ms-|microsoft-|forefront-|spam|virus|google-|gm-|received|originating|mailgun-|ses-|sg-|mimecast|proofpoint|barracuda|ham|ymail|apple-|icloud-|eop|exchange|cloudmark|report-abuse|feedback|source|php-|authenticated|mc-|campaign|mailer-sid)/;
const MAX_HEADERS = 40;
const MAX_HEADER_LENGTH = 1000;

function usefulHeaders(headers: Headers): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  let count = 0;
  for (const [name, value] of headers) {
    if (count >= MAX_HEADERS) break;
    const wanted = USEFUL_HEADERS.has(name) || (name.startsWith('x-') && !NOISY_X_HEADER.test(name));
    if (!wanted) continue;
    const text = headerText(value);
    if (text === null) continue;
    kept[name] = text;
    count++;
  }
  return kept;
}

function headerText(value: unknown): string | string[] | null {
  if (typeof value === 'string') return value.slice(0, MAX_HEADER_LENGTH);
  if (Array.isArray(value)) {
    const texts = value.map(headerText).filter((item): item is string => typeof item === 'string');
    return texts.length ? texts : null;
  }
  if (value && typeof value === 'object' && 'text' in value && typeof value.text === 'string') return value.text.slice(0, MAX_HEADER_LENGTH);
  if (value && typeof value === 'object' && 'value' in value && typeof value.value === 'string') return value.value.slice(0, MAX_HEADER_LENGTH);
  return null;
}
