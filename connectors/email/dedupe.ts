import { createHash } from 'node:crypto';
import { firstField, type HeaderFields } from './header-fields.js';
import type { ParsedEmail } from './parse-message.js';

/**
 * Message identity. A message is the same message wherever it is stored (INBOX and
 * Sent, Gmail's All Mail, two folders of an export): its record id is its Message-ID,
 * and every place it was found is listed in the record's `data.locations`. The eml
 * connector makes a different body under the same Message-ID a record of its own
 * (contentDigest, variantId).
 */

/**
 * `<abc@host>` as the header carries it: trimmed, the first `<...>` token when there
 * is one (some mailers append comments), angle brackets added when missing. The
 * brackets stay so that `messageId`, `inReplyTo` and `references` compare equal.
 */
export function normalizeMessageId(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  const bracketed = /<[^<>\s]+>/.exec(trimmed)?.[0];
  if (bracketed !== undefined) return bracketed;
  const token = trimmed.split(/\s+/)[0] as string;
  return `<${token.replace(/^<|>$/g, '')}>`;
}

/**
 * The id of a message without a Message-ID: `sha256:` and 32 hex digits of its Date,
 * From, To, Cc and Subject fields and its size in bytes. The same stored message hashes
 * the same in every folder, so copies still collapse into one record; two different
 * messages would need the same sender, recipients, subject, second and size to collide.
 * Only ids of this form start with `sha256:`, so a rule can tell them apart.
 */
export function fallbackMessageId(fields: HeaderFields, size: number): string {
  const parts = ['date', 'from', 'to', 'cc', 'subject'].map((name) => firstField(fields, name) ?? '');
  const digest = createHash('sha256').update([...parts, String(size)].join('\n')).digest('hex');
  return `sha256:${digest.slice(0, 32)}`;
}

/** The record id of a message, from its raw header fields. */
export function messageIdentity(fields: HeaderFields, size: number): { id: string; messageId: string | null } {
  const messageId = normalizeMessageId(firstField(fields, 'message-id'));
  return { id: messageId ?? fallbackMessageId(fields, size), messageId };
}

/**
 * What tells two copies under one Message-ID apart: the text, the HTML and the attachments'
 * hashes. Headers are left out, since every store adds its own (Received, X-Gmail-Labels,
 * X-Mozilla-Status) to the same message; line ends and trailing blank lines too, since an
 * mbox and an .eml of one message differ in those.
 */
export function contentDigest(parsed: ParsedEmail): string {
  const body = (value: string | null) => (value === null ? null : value.replace(/\r\n?/g, '\n').trimEnd());
  const content = [body(parsed.text), body(parsed.html), parsed.attachments.map((attachment) => attachment.sha256)];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/**
 * The id of a body found under a Message-ID already used by a different body: the id,
 * `~sha256:` and 16 hex digits of the body's digest. Named by its body rather than by its
 * position, so it does not change when other copies are added to the export; a rule can
 * still join on `data.messageId`, which is the header's.
 */
export function variantId(id: string, digest: string): string {
  return `${id}~sha256:${digest.slice(0, 16)}`;
}

/**
 * Every location of every message id, built by a headers-only pass before any body is
 * read, so that the first copy's record can already name all the others. Holds ids and
 * locations only (a few hundred bytes a message), never message content.
 */
export class MessageLocations<Location> {
  private readonly byId = new Map<string, Location[]>();

  add(id: string, location: Location): void {
    const list = this.byId.get(id);
    if (list) list.push(location);
    else this.byId.set(id, [location]);
  }

  of(id: string): Location[] {
    return this.byId.get(id) ?? [];
  }

  /** Drops the locations that match (a mailbox re-indexed after its UIDVALIDITY changed). */
  remove(matches: (location: Location) => boolean): void {
    for (const [id, list] of this.byId) {
      const kept = list.filter((location) => !matches(location));
      if (kept.length === 0) this.byId.delete(id);
      else if (kept.length !== list.length) this.byId.set(id, kept);
    }
  }
}
