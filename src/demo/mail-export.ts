import { DateTime } from 'luxon';
import { bookingUid, ORGANIZER_EMAIL } from './calendar-export.js';
import { escapeText, icsDocument, quoteParam } from './ics-writer.js';
import type { Incident, Row } from './incident-types.js';
import { BUSINESS_ZONE, instantFromIso, toIcsLocal, toIcsUtc, type Instant } from './time.js';

/**
 * The booking mailbox of the sample incident, exported as .eml files: the emails the
 * booking system sent during the lost period. The checkout sends a confirmation when
 * a card payment completes (cash bookings at the dock get none), a change notice when
 * a trip is moved, and a cancellation notice (with the refund, if any). Some carry a
 * calendar invite. Everything is derived from the incident's rows (production at loss
 * time, the backup before it), so the emails agree with every other export.
 *
 * Rows hold no time for a change or a cancellation; a cancellation is sent when its
 * refund was made, and otherwise both get a time derived from the booking reference,
 * inside the window and after the booking was made: deterministic, like the rest.
 */

export interface MailFile {
  /** Relative to the job directory, e.g. `exports/mail/2026-03/20260302T140200Z-confirmed-K7QX2P.eml`. */
  path: string;
  /** The RFC 5322 message, CRLF line ends. */
  content: string;
}

type MailKind = 'confirmed' | 'changed' | 'cancelled';

interface Booking {
  row: Row;
  reference: string;
  id: string;
  customer: { name: string; email: string };
  item: string;
  startsAt: Instant;
  endsAt: Instant;
  total: string;
  createdAt: Instant;
}

interface PlannedMail {
  kind: MailKind;
  at: Instant;
  booking: Booking;
  /** For a change: the trip before it. */
  previous?: { startsAt: Instant; endsAt: Instant };
  refund?: string;
  invite: boolean;
}

const SENDER = { name: 'Fjord Kayaks', address: ORGANIZER_EMAIL };
const MAIL_DOMAIN = 'mail.fjordkayaks.example';
const ADDRESS = 'Fjord Kayaks, Bryggen 3, 5003 Bergen, Norway';

/** Every booking email of the lost period, in the order they were sent. */
export function bookingEmails(incident: Incident): MailFile[] {
  return planMails(incident)
    .sort((a, b) => a.at - b.at || a.booking.reference.localeCompare(b.booking.reference))
    .map((mail) => ({ path: mailPath(mail), content: renderMail(mail) }));
}

// ---------------------------------------------------------------------------
// Which emails were sent

function planMails(incident: Incident): PlannedMail[] {
  const from = instantFromIso(incident.window.from);
  const to = instantFromIso(incident.window.to);
  const customers = new Map(incident.production.customers.map((row) => [row.id, row]));
  const backup = new Map(incident.backup.bookings.map((row) => [row.reference, row]));
  const paymentByBooking = new Map(incident.production.payments.map((row) => [row.booking_id, row]));
  const refundsByPayment = new Map<string, Row[]>();
  for (const refund of incident.production.refunds) {
    const list = refundsByPayment.get(refund.payment_id ?? '') ?? [];
    list.push(refund);
    refundsByPayment.set(refund.payment_id ?? '', list);
  }

  const mails: PlannedMail[] = [];
  for (const row of incident.production.bookings) {
    const payment = paymentByBooking.get(row.id);
    if (!payment) continue; // cash at the dock: the booking system sent nothing
    const booking = bookingOf(row, customers.get(row.customer_id ?? ''));
    const before = backup.get(booking.reference);
    const invite = hash(booking.reference) % 3 === 0;
    const earliest = Math.max(booking.createdAt, from) + 3600;

    const refunds = (refundsByPayment.get(payment.id ?? '') ?? []).map((refund) => ({ at: rowInstant(refund.refunded_at), amount: refund.amount ?? '0.00' }));
    const cancelledNow = row.status === 'cancelled' && before?.status !== 'cancelled';
    const refund = refunds.find((candidate) => candidate.at >= from && candidate.at < to);
    const cancelAt = cancelledNow ? (refund?.at ?? pointIn(earliest, to, booking.reference, 0.7, 0.95)) : undefined;

    if (booking.createdAt >= from) {
      // Sent as the card checkout completed: the email's Date is the booking's creation.
      mails.push({ kind: 'confirmed', at: booking.createdAt, booking, invite });
    } else if (before && (before.starts_at !== row.starts_at || before.ends_at !== row.ends_at)) {
      const previous = { startsAt: rowInstant(before.starts_at), endsAt: rowInstant(before.ends_at) };
      const latest = cancelAt ?? to;
      mails.push({ kind: 'changed', at: pointIn(earliest, latest, booking.reference, 0.3, 0.6), booking, previous, invite });
    }
    if (cancelAt !== undefined) {
      mails.push({ kind: 'cancelled', at: cancelAt, booking, invite, ...(refund ? { refund: refund.amount } : {}) });
    }
  }
  return mails.filter((mail) => mail.at >= from && mail.at < to);
}

function bookingOf(row: Row, customer: Row | undefined): Booking {
  return {
    row,
    reference: row.reference ?? '',
    id: row.id ?? '',
    customer: { name: customer?.full_name ?? '', email: customer?.email ?? '' },
    item: row.item ?? '',
    startsAt: rowInstant(row.starts_at),
    endsAt: rowInstant(row.ends_at),
    total: row.total ?? '0.00',
    createdAt: rowInstant(row.created_at),
  };
}

/** PostgreSQL's `2026-03-02 14:02:00+00` as an instant. */
function rowInstant(text: string | null | undefined): Instant {
  if (!text) throw new Error('a booking row without a timestamp');
  return instantFromIso(`${text.replace(' ', 'T')}:00`);
}

/** A whole minute between `from` and `to`, at a fraction between low and high chosen by the key. */
function pointIn(from: Instant, to: Instant, key: string, low: number, high: number): Instant {
  const fraction = low + ((hash(key) % 1000) / 1000) * (high - low);
  const at = from + Math.max(0, to - from) * fraction;
  // A booking made in the last hour before the loss has no room: its notice falls past `to` and is not sent.
  return Math.max(from, Math.min(Math.floor(at / 60) * 60 + 17, to - 60));
}

/** FNV-1a: a stable number for a string (references are unique, so choices are too). */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) value = Math.imul(value ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return value;
}

// ---------------------------------------------------------------------------
// What they say

function mailPath(mail: PlannedMail): string {
  const stamp = toIcsUtc(mail.at);
  return `exports/mail/${stamp.slice(0, 4)}-${stamp.slice(4, 6)}/${stamp}-${mail.kind}-${mail.booking.reference}.eml`;
}

const SUBJECTS: Record<MailKind, string> = {
  confirmed: 'Booking confirmed',
  changed: 'Booking changed',
  cancelled: 'Booking cancelled',
};

/** `20 November 2026, 10:00`, on the wall clock in Oslo. */
function osloText(instant: Instant): string {
  return DateTime.fromSeconds(instant, { zone: BUSINESS_ZONE }).setLocale('en-GB').toFormat('d MMMM yyyy, HH:mm');
}

/** `€1,080.00` from `1080.00`. */
function euros(amount: string): string {
  const [whole = '0', cents = '00'] = amount.split('.');
  return `€${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

function bodyLines(mail: PlannedMail): string[] {
  const { booking } = mail;
  const firstName = booking.customer.name.split(/\s+/)[0] ?? booking.customer.name;
  const details = [
    `Booking: ${booking.reference}`,
    `Item: ${booking.item}`,
    `Date: ${osloText(booking.startsAt)}`,
    `Return by: ${osloText(booking.endsAt)}`,
    `Total: ${euros(booking.total)}`,
    `Name: ${booking.customer.name}`,
    `Email: ${booking.customer.email}`,
  ];
  const intro: Record<MailKind, string[]> = {
    confirmed: ['Thank you for booking with Fjord Kayaks. Your booking is confirmed.'],
    changed: [
      'Your booking has been moved. The new time is below.',
      ...(mail.previous ? [`Previous date: ${osloText(mail.previous.startsAt)}`] : []),
    ],
    cancelled: [
      'Your booking has been cancelled.',
      mail.refund ? `Refund: ${euros(mail.refund)} to the card you paid with (3-5 banking days).` : 'No refund is due.',
    ],
  };
  return [
    `Hi ${firstName},`,
    '',
    ...intro[mail.kind],
    '',
    ...(mail.kind === 'cancelled' ? ['Status: cancelled', ...details] : ['Status: confirmed', ...details]),
    '',
    mail.kind === 'cancelled' ? 'We hope to see you on the water another time.' : 'Please be at the boathouse 15 minutes before your start time.',
    // The booking system's own link: it carries the booking's database id.
    `Manage your booking: https://book.fjordkayaks.example/bookings/${booking.id}?ref=${booking.reference}`,
    '',
    '-- ',
    ADDRESS,
  ];
}

function bodyHtml(lines: string[]): string {
  const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const paragraphs = lines.map((line) => (line === '' ? '' : `<div>${escape(line)}</div>`)).join('\n');
  return `<!DOCTYPE html>\n<html><body style="font-family: sans-serif">\n${paragraphs}\n</body></html>`;
}

function inviteIcs(mail: PlannedMail): string {
  const { booking } = mail;
  const cancelled = mail.kind === 'cancelled';
  return icsDocument([
    'BEGIN:VCALENDAR',
    'PRODID:-//Fjord Kayaks//Booking system 3.2//EN',
    'VERSION:2.0',
    `METHOD:${cancelled ? 'CANCEL' : 'REQUEST'}`,
    'BEGIN:VEVENT',
    `UID:${bookingUid(Number(booking.id))}`,
    `DTSTAMP:${toIcsUtc(mail.at)}`,
    `DTSTART;TZID=${BUSINESS_ZONE}:${toIcsLocal(booking.startsAt)}`,
    `DTEND;TZID=${BUSINESS_ZONE}:${toIcsLocal(booking.endsAt)}`,
    `SEQUENCE:${mail.kind === 'confirmed' ? 0 : 1}`,
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    `SUMMARY:${escapeText(`${booking.item} – Booking ${booking.reference}`)}`,
    `DESCRIPTION:${escapeText(`Booking ${booking.reference}\nItem: ${booking.item}\nTotal: ${booking.total} EUR`)}`,
    `LOCATION:${escapeText(ADDRESS)}`,
    `ORGANIZER;CN=${SENDER.name}:mailto:${SENDER.address}`,
    `ATTENDEE;CN=${quoteParam(booking.customer.name)};PARTSTAT=ACCEPTED:mailto:${booking.customer.email}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ]);
}

// ---------------------------------------------------------------------------
// RFC 5322 / MIME spelling

function renderMail(mail: PlannedMail): string {
  const { booking } = mail;
  const lines = bodyLines(mail);
  const boundary = (name: string) => `=_${name}_${booking.reference}_${mail.at}`;
  const alternative = [
    `Content-Type: multipart/alternative; boundary="${boundary('alt')}"`,
    '',
    `--${boundary('alt')}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(lines.join('\r\n')),
    `--${boundary('alt')}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(bodyHtml(lines).replace(/\n/g, '\r\n')),
    `--${boundary('alt')}--`,
  ];
  const body = mail.invite
    ? [
        `Content-Type: multipart/mixed; boundary="${boundary('mix')}"`,
        '',
        `--${boundary('mix')}`,
        ...alternative,
        `--${boundary('mix')}`,
        `Content-Type: text/calendar; charset=utf-8; method=${mail.kind === 'cancelled' ? 'CANCEL' : 'REQUEST'}; name="invite.ics"`,
        'Content-Disposition: attachment; filename="invite.ics"',
        'Content-Transfer-Encoding: base64',
        '',
        base64Lines(Buffer.from(inviteIcs(mail), 'utf8')),
        `--${boundary('mix')}--`,
      ]
    : alternative;
  const headers = [
    `Return-Path: <${SENDER.address}>`,
    `From: ${mailbox(SENDER.name, SENDER.address)}`,
    `To: ${mailbox(booking.customer.name, booking.customer.email)}`,
    `Subject: ${encodedWords(`${SUBJECTS[mail.kind]} – ${booking.reference}`)}`,
    `Date: ${rfc5322Date(mail.at)}`,
    `Message-ID: <${mail.kind}.${booking.reference}.${mail.at}@${MAIL_DOMAIN}>`,
    'MIME-Version: 1.0',
    'X-Mailer: Fjord Kayaks booking system 3.2',
    `X-Booking-Reference: ${booking.reference}`,
  ];
  return `${[...headers, ...body].join('\r\n')}\r\n`;
}

/** `Mon, 02 Mar 2026 15:02:00 +0100`: the booking system writes Oslo time. */
function rfc5322Date(instant: Instant): string {
  return DateTime.fromSeconds(instant, { zone: BUSINESS_ZONE }).setLocale('en-US').toFormat('ccc, dd LLL yyyy HH:mm:ss ZZZ');
}

/** A display name as an atom phrase, a quoted string, or (non-ASCII) RFC 2047 encoded words. */
function mailbox(name: string, address: string): string {
  if (name === '') return `<${address}>`;
  if (/^[A-Za-z0-9 !#$%&'*+/=?^_`{|}~-]+$/.test(name)) return `${name} <${address}>`;
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/(["\\])/g, '\\$1')}" <${address}>`;
  return `${encodedWords(name)} <${address}>`;
}

/** RFC 2047 B-encoding for non-ASCII text, split so no word exceeds 75 characters or splits a character. */
function encodedWords(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** Quoted-printable (RFC 2045) of UTF-8 text with CRLF line ends; soft breaks keep lines within 76 characters. */
function quotedPrintable(text: string): string {
  return text
    .split('\r\n')
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      const tokens: string[] = [];
      bytes.forEach((byte, index) => {
        const last = index === bytes.length - 1;
        const plain = (byte >= 33 && byte <= 126 && byte !== 61) || (byte === 32 && !last);
        tokens.push(plain ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`);
      });
      const out: string[] = [];
      let current = '';
      for (const token of tokens) {
        if (current.length + token.length > 75) {
          out.push(`${current}=`);
          current = '';
        }
        current += token;
      }
      out.push(current);
      return out.join('\r\n');
    })
    .join('\r\n');
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}
