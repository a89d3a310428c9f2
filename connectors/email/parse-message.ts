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
 * Like parseEmail, but a message mailparser rejects (a header block over 1 MB, over a
 * thousand MIME parts) still becomes a record: empty fields and a warning saying why,
 * next to the id, time and location the headers pass found. Errors reading the input
 * itself (a file, the connection) are not the message's fault and are thrown.
 */
export async function parseEmailOrNote(source: Buffer | Readable): Promise<ParsedEmail> {
  let inputError: unknown;
  if (!Buffer.isBuffer(source)) source.once('error', (error) => (inputError = error));
  try {
    return await parseEmail(source);
  } catch (error) {
    if (inputError !== undefined) throw inputError;
    return unreadableMessage(`the message could not be parsed (${(error as Error).message}); only its headers were read`);
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
  const parser = new MailParser({ checksumAlgo: 'sha256', skipTextToHtml: true, skipImageLinks: true, maxHtmlLengthToParse: MAX_HTML_TO_CONVERT });
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
  // A buffer goes in directly (a stream wrapper around it costs more than the parse of a small message).
  if (Buffer.isBuffer(source)) parser.end(source);
  else await pipeline(source, parser);
  await ended;
  await Promise.all(pending);

  const raw = parseHeaderBlock(headerLines.map((entry) => entry.line).join('\r\n'));
  const dateHeader = firstField(raw, 'date');
  const html = typeof body.html === 'string' && body.html !== '' ? body.html : null;
  const fromAll = addresses(headers.get('from'));
  return {
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
    htmlAsText: html === null || html.length > MAX_HTML_TO_CONVERT ? null : await htmlToText(html),
    attachments: attachments.sort(byPartId),
    calendars: calendars.sort((a, b) => byPartId(a.summary, b.summary)),
    headers: usefulHeaders(headers),
    warnings,
  };
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
