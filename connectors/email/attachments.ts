import { decodeBytes, isKnownEncoding, isLatin1Label } from '../shared/text-decoding.js';
import type { AttachmentStream, StructuredHeader } from 'mailparser';

/**
 * Attachments are evidence, not content: a record names each one (name, type, size,
 * sha256) so a reviewer can match it with a file they have, but never stores it.
 * Content streams through a hash and is dropped; only calendar invites (.ics, small
 * text that rules need) are kept, to become `calendar.event` records.
 */
export interface AttachmentSummary {
  name: string | null;
  contentType: string;
  size: number;
  sha256: string | null;
  /** `attachment`, `inline`, or null when the part gave no Content-Disposition. */
  disposition: string | null;
  /** The MIME part number (`1.2`): tells apart two attachments of the same name. */
  partId: string | null;
  /** True for a calendar invite, whose events are also records of type `calendar.event`. */
  calendar: boolean;
}

/** The text of a calendar attachment, kept for the invite parser. */
export interface CalendarAttachment {
  summary: AttachmentSummary;
  text: string;
}

/** An invite is a few kilobytes; anything far larger is not one we should hold in memory. */
export const MAX_CALENDAR_BYTES = 1_048_576;

export function isCalendarPart(contentType: string, filename: string | undefined): boolean {
  const type = contentType.toLowerCase();
  return type === 'text/calendar' || type === 'application/ics' || /\.(ics|ical|ifb)$/i.test(filename ?? '');
}

/**
 * Reads one attachment to its end (mailparser waits for that before it continues),
 * then releases it. mailparser hashes the content as it flows (`checksumAlgo:
 * sha256`); only a calendar part is collected, up to MAX_CALENDAR_BYTES.
 */
export function consumeAttachment(part: AttachmentStream): Promise<{ summary: AttachmentSummary; calendarText: string | null; oversizedCalendar: boolean }> {
  const calendar = isCalendarPart(part.contentType, part.filename);
  const chunks: Buffer[] = [];
  let kept = 0;
  let oversized = false;
  return new Promise((resolve, reject) => {
    part.content.on('data', (chunk: Buffer) => {
      if (!calendar || oversized) return;
      kept += chunk.length;
      if (kept > MAX_CALENDAR_BYTES) {
        oversized = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    part.content.once('error', reject);
    part.content.once('end', () => {
      const summary: AttachmentSummary = {
        name: part.filename ?? null,
        contentType: part.contentType,
        size: part.size ?? kept,
        sha256: part.checksum ?? null,
        disposition: part.contentDisposition ?? null,
        partId: part.partId,
        calendar,
      };
      const calendarText = calendar && !oversized ? decodeText(Buffer.concat(chunks), charsetOf(part)) : null;
      part.release?.();
      resolve({ summary, calendarText, oversizedCalendar: calendar && oversized });
    });
  });
}

function charsetOf(part: AttachmentStream): string {
  const contentType = part.headers.get('content-type') as StructuredHeader | undefined;
  return contentType?.params?.charset ?? 'utf-8';
}

/**
 * Decodes with the part's charset, through iconv-lite as mailparser decodes the body (not
 * TextDecoder, which reads windows-1252 as strict latin1 on Node 20.20). A latin1 label
 * reads as windows-1252, as the WHATWG Encoding Standard and mail clients read it: mailers
 * label cp1252 text iso-8859-1, and C1 controls are never meant. An unknown charset falls
 * back to UTF-8 rather than failing the message.
 */
export function decodeText(bytes: Buffer, charset: string): string {
  if (isLatin1Label(charset) || charset.toLowerCase() === 'us-ascii') return decodeBytes(bytes, 'windows-1252');
  return decodeBytes(bytes, isKnownEncoding(charset) ? charset : 'utf-8');
}
