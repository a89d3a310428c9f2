import type { SourceRecord } from '../records/envelope.js';

/**
 * The fields that say what a record is about, in the order a reviewer asks: an email's
 * subject, an event's summary, a payment's description, status and amount. Matched
 * without regard to case, since CSV exports name their columns as they like.
 */
const TELLING_FIELDS = ['subject', 'summary', 'description', 'status', 'amount', 'currency', 'email', 'name', 'date', 'start'];
const MAX_FIELDS = 3;
const MAX_CHARS = 120;

/**
 * One line saying what a record is, beside its reference, for records no rule used:
 * `subject: Booking confirmed – QX7P2M · date: 2026-03-02T14:02:00Z`. Falls back to
 * the record's first few plain fields.
 */
export function recordGist(record: SourceRecord): string {
  const data = record.data;
  const keyOf = new Map(Object.keys(data).map((k) => [k.toLowerCase(), k]));
  const parts: string[] = [];
  for (const field of TELLING_FIELDS) {
    const key = keyOf.get(field);
    const text = key === undefined ? undefined : plainText(data[key]);
    if (key !== undefined && text) parts.push(`${key}: ${text}`);
    if (parts.length === MAX_FIELDS) break;
  }
  if (!parts.length) {
    for (const [key, value] of Object.entries(data)) {
      const text = plainText(value);
      if (text) parts.push(`${key}: ${text}`);
      if (parts.length === MAX_FIELDS) break;
    }
  }
  if (record.deleted) parts.unshift('deleted');
  return clip(parts.join(' · '));
}

/** A scalar as one line of text; nothing for objects, lists and empty values. */
function plainText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.replace(/\s+/g, ' ').trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** At most MAX_CHARS characters, reading only as many as that needs (a value may be 100 MB). */
function clip(text: string): string {
  if (text.length <= MAX_CHARS) return text;
  let kept = '';
  let count = 0;
  for (const char of text) {
    if (++count > MAX_CHARS) return `${kept}…`;
    if (count < MAX_CHARS) kept += char;
  }
  return text;
}
