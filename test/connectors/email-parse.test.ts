import { describe, expect, it } from 'vitest';
import { messageIdentity } from '../../connectors/email/dedupe.js';
import { headerBlockOf, parseHeaderBlock } from '../../connectors/email/header-fields.js';
import { messageRecords } from '../../connectors/email/message-record.js';
import { connectionSettings } from '../../connectors/email/imap-options.js';
import { parseEmail, parseEmailOrNote } from '../../connectors/email/parse-message.js';
import { SourceInputError } from '../../src/records/connector.js';
import { messageTime } from '../../connectors/email/window.js';
import type { SourceRecord } from '../../src/records/envelope.js';

/** MIME edge cases through the parser and the record builder, without a server. */

const crlf = (lines: string[]) => lines.join('\r\n');

async function recordsOf(raw: string | Buffer): Promise<SourceRecord[]> {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  const parsed = await parseEmail(bytes);
  const fields = parseHeaderBlock(headerBlockOf(bytes));
  const { id } = messageIdentity(fields, bytes.length);
  const { records, problems } = messageRecords({
    sourceName: 'mail',
    observedAt: '2026-04-26T08:00:00.000Z',
    id,
    ref: 'file://m.eml',
    locations: [{ file: 'm.eml', ref: 'file://m.eml' }],
    time: messageTime(parsed.date, null),
    parsed,
    partRef: (partId) => `file://m.eml#part=${partId}`,
  });
  if (problems.length) records.push({ source: 'problems', type: 'x', id: 'x', ref: 'x', observedAt: 'x', data: { problems } });
  return records;
}

describe('parsing messages into email.message records', () => {
  it('decodes encoded-word headers (Q and B, several charsets, folded) and address names', async () => {
    const [record] = await recordsOf(
      crlf([
        'From: =?ISO-8859-1?Q?Bj=F8rn_=C5se?= <bjorn@example.no>',
        'To: =?UTF-8?B?WsO2ZSDwn5qj?= <zoe@example.org>, "Ola Nordmann, Jr." <ola@example.no>',
        'Cc: Team: a@example.org, b@example.org;',
        'Subject: =?UTF-8?Q?Booking_confirmed_=E2=80=93?=',
        ' =?ISO-2022-JP?B?GyRCJEgkYiQ3JF4kORsoQg==?=',
        'Date: Mon, 2 Mar 2026 11:00:00 +0100 (CET)',
        'Message-ID: <a@x>',
        '',
        'Hi',
      ]),
    );
    expect(record?.data).toMatchObject({
      // RFC 2047: the space between two encoded words is not part of the text.
      subject: 'Booking confirmed –ともします',
      from: { name: 'Bjørn Åse', address: 'bjorn@example.no' },
      to: [
        { name: 'Zöe 🚣', address: 'zoe@example.org' },
        { name: 'Ola Nordmann, Jr.', address: 'ola@example.no' },
      ],
      cc: [{ name: 'Team', address: null, group: [{ name: null, address: 'a@example.org' }, { name: null, address: 'b@example.org' }] }],
      date: '2026-03-02T10:00:00.000Z',
      messageId: '<a@x>',
    });
    expect(record?.createdAt).toBe('2026-03-02T10:00:00.000Z');
  });

  it('decodes quoted-printable ISO-8859-1, base64 UTF-8 and Shift_JIS bodies', async () => {
    const qp = await recordsOf(
      crlf(['Message-ID: <qp@x>', 'Content-Type: text/plain; charset=ISO-8859-1', 'Content-Transfer-Encoding: quoted-printable', '', 'Bel=F8p: 450 kr, dato: 20. november =', '2026', '']),
    );
    expect(qp[0]?.data.text).toBe('Beløp: 450 kr, dato: 20. november 2026\n');

    const base64 = await recordsOf(
      crlf(['Message-ID: <b64@x>', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from('Total: €45.00\nBooking: K7QX2P').toString('base64'), '']),
    );
    expect(base64[0]?.data.text).toBe('Total: €45.00\nBooking: K7QX2P');

    const shiftJis = Buffer.concat([
      Buffer.from(crlf(['Message-ID: <sjis@x>', 'Subject: =?Shift_JIS?B?l1yW8Yptkug=?=', 'Content-Type: text/plain; charset=Shift_JIS', '', ''])),
      Buffer.from([0x97, 0x5c, 0x96, 0xf1, 0x8a, 0x6d, 0x92, 0xe8]), // 予約確定 in Shift_JIS
      Buffer.from('\r\n'),
    ]);
    const [sjis] = await recordsOf(shiftJis);
    expect(sjis?.data.subject).toBe('予約確定');
    expect(sjis?.data.text).toBe('予約確定\n');
  });

  it('reads nested multiparts: text and HTML alternatives inside related inside mixed, inline image and a Unicode-named attachment', async () => {
    const [record] = await recordsOf(
      crlf([
        'Message-ID: <nested@x>',
        'Date: Tue, 3 Mar 2026 09:00:00 +0000',
        'Content-Type: multipart/mixed; boundary="m"',
        '',
        '--m',
        'Content-Type: multipart/related; boundary="r"',
        '',
        '--r',
        'Content-Type: multipart/alternative; boundary="a"',
        '',
        '--a',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Booking: K7QX2P',
        '--a',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Booking: <b>K7QX2P</b></p><p>Item: Double kayak</p><img src="cid:logo@x">',
        '--a--',
        '--r',
        'Content-Type: image/png',
        'Content-ID: <logo@x>',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('not really a png').toString('base64'),
        '--r--',
        '--m',
        'Content-Type: application/pdf',
        "Content-Disposition: attachment; filename*=UTF-8''Kvittering%20for%20bestilling%20%E2%80%93%20%C3%85lesund.pdf",
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('%PDF-1.7').toString('base64'),
        '--m--',
        '',
      ]),
    );
    expect(record?.data.text).toBe('Booking: K7QX2P');
    expect(record?.data.html).toContain('<b>K7QX2P</b>');
    expect(record?.data.htmlAsText).toBe('Booking: K7QX2P\n\nItem: Double kayak');
    expect(record?.data.attachments).toEqual([
      expect.objectContaining({ contentType: 'image/png', size: 16, partId: '1.2', calendar: false }),
      expect.objectContaining({ name: 'Kvittering for bestilling – Ålesund.pdf', contentType: 'application/pdf', size: 8, disposition: 'attachment', partId: '2' }),
    ]);
    // Attachments are described, never stored.
    expect(JSON.stringify(record)).not.toContain(Buffer.from('%PDF-1.7').toString('base64'));
  });

  it('keeps a message without Date (no time) and says so when a Date header is unreadable', async () => {
    const [undated] = await recordsOf(crlf(['Message-ID: <nodate@x>', 'Subject: no date', '', 'x']));
    expect(undated?.createdAt).toBeUndefined();
    expect(undated?.data).toMatchObject({ date: null, time: null, timeSource: null });

    // mailparser would turn an unreadable Date into "now", which would put an old message in any window.
    const [garbled] = await recordsOf(crlf(['Message-ID: <garbled@x>', 'Date: yesterday-ish', '', 'x']));
    expect(garbled?.createdAt).toBeUndefined();
    expect(garbled?.data).toMatchObject({ date: null, unreadableDate: 'yesterday-ish' });
  });

  it('turns a message mailparser rejects into a warning instead of failing the pull', async () => {
    const parts = Array.from({ length: 1001 }, (_, n) => ['--p', 'Content-Type: text/plain', '', `part ${n}`]).flat();
    const raw = Buffer.from(crlf(['Message-ID: <many@x>', 'Content-Type: multipart/mixed; boundary="p"', '', ...parts, '--p--', '']));
    await expect(parseEmail(raw)).rejects.toThrow();
    const parsed = await parseEmailOrNote(raw);
    expect(parsed.warnings).toEqual([expect.stringMatching(/^the message could not be parsed \(.+\); only its headers were read$/)]);
  });

  it('names a message without Message-ID by a hash of its headers and size, the same for every copy', async () => {
    const raw = crlf(['From: a@example.org', 'To: b@example.org', 'Subject: Booking K7QX2P', 'Date: Tue, 3 Mar 2026 09:00:00 +0000', '', 'body']);
    const [first] = await recordsOf(raw);
    const [again] = await recordsOf(raw);
    const [other] = await recordsOf(raw.replace('K7QX2P', 'K7QX2Q'));
    expect(first?.id).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(again?.id).toBe(first?.id);
    expect(other?.id).not.toBe(first?.id);
    expect(first?.data.messageId).toBeNull();
  });
});

describe('calendar invites attached to messages become calendar.event records', () => {
  const invite = (lines: string[]) =>
    crlf([
      'Message-ID: <invite@x>',
      'Date: Tue, 3 Mar 2026 09:00:00 +0000',
      'Subject: Invitation',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See the invite.',
      '--m',
      'Content-Type: text/calendar; charset=utf-8; method=REQUEST',
      'Content-Disposition: attachment; filename="invite.ics"',
      '',
      ...lines,
      '--m--',
      '',
    ]);

  it('shapes events like the ics connector: zoned, UTC, all-day, with attendees; cancellations are deleted', async () => {
    const records = await recordsOf(
      Buffer.from(
        invite([
          'BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REQUEST',
          'BEGIN:VEVENT', 'UID:booking-7@fjordkayaks.example', 'DTSTAMP:20260303T090000Z', 'CREATED:20260303T085900Z',
          'DTSTART;TZID=Europe/Oslo:20261120T100000', 'DTEND;TZID=Europe/Oslo:20261120T130000',
          'SUMMARY:Canoe – Booking K7QX2P', 'DESCRIPTION:Booking K7QX2P\\nTotal: 45.00 EUR', 'STATUS:CONFIRMED', 'SEQUENCE:1',
          'ORGANIZER;CN=Fjord Kayaks:mailto:bookings@fjordkayaks.example',
          'ATTENDEE;CN="Zoë Ødegård";PARTSTAT=ACCEPTED:mailto:zoe@example.org', 'X-BOOKING-ID:7', 'END:VEVENT',
          'BEGIN:VEVENT', 'UID:allday@x', 'DTSTAMP:20260303T090000Z', 'DTSTART;VALUE=DATE:20260704', 'DTEND;VALUE=DATE:20260706', 'SUMMARY:Two days', 'END:VEVENT',
          'BEGIN:VEVENT', 'UID:cancelled@x', 'DTSTAMP:20260303T090000Z', 'DTSTART:20260801T080000Z', 'DURATION:PT2H', 'STATUS:CANCELLED', 'RRULE:FREQ=WEEKLY;COUNT=3', 'END:VEVENT',
          'END:VCALENDAR',
        ]),
        'utf8',
      ),
    );
    const events = records.filter((record) => record.type === 'calendar.event');
    expect(events.map((event) => event.id)).toEqual(['<invite@x>/2/booking-7@fjordkayaks.example', '<invite@x>/2/allday@x', '<invite@x>/2/cancelled@x']);
    expect(events[0]).toMatchObject({
      ref: 'file://m.eml#part=2',
      createdAt: '2026-03-03T08:59:00Z',
      updatedAt: '2026-03-03T09:00:00Z',
      data: {
        uid: 'booking-7@fjordkayaks.example',
        summary: 'Canoe – Booking K7QX2P',
        description: 'Booking K7QX2P\nTotal: 45.00 EUR',
        start: '2026-11-20T10:00:00+01:00',
        end: '2026-11-20T13:00:00+01:00',
        allDay: false,
        timeZone: 'Europe/Oslo',
        status: 'CONFIRMED',
        sequence: 1,
        method: 'REQUEST',
        organizer: { email: 'bookings@fjordkayaks.example', name: 'Fjord Kayaks' },
        attendees: [{ email: 'zoe@example.org', name: 'Zoë Ødegård', partstat: 'ACCEPTED', role: null }],
        extra: { 'X-BOOKING-ID': '7' },
        email: { messageId: '<invite@x>', subject: 'Invitation' },
        attachment: { name: 'invite.ics' },
      },
    });
    expect(events[0]?.deleted).toBeUndefined();
    expect(events[1]?.data).toMatchObject({ start: '2026-07-04', end: '2026-07-06', allDay: true });
    // No CREATED: the event is as old as the email that carried it.
    expect(events[1]?.createdAt).toBe('2026-03-03T09:00:00.000Z');
    expect(events[2]).toMatchObject({ deleted: true, data: { start: '2026-08-01T08:00:00Z', end: '2026-08-01T10:00:00Z', recurring: true, rrule: 'FREQ=WEEKLY;COUNT=3' } });
  });

  it('decodes an invite part in windows-1252 (or labelled iso-8859-1) as the body is decoded: € and curly quotes, no C1 controls', async () => {
    for (const charset of ['windows-1252', 'iso-8859-1']) {
      // Bytes 0x80, 0x93 and 0x94, as a cp1252 mailer writes € “ ”.
      const raw = crlf([
        'Message-ID: <cp1252@x>', 'Date: Tue, 3 Mar 2026 09:00:00 +0000', 'Subject: Invitation', 'Content-Type: multipart/mixed; boundary="m"', '',
        '--m', `Content-Type: text/plain; charset=${charset}`, 'Content-Transfer-Encoding: 8bit', '', 'Kayak \x80 40 \x93Fjord\x94', '',
        '--m', `Content-Type: text/calendar; charset=${charset}; method=REQUEST`, 'Content-Transfer-Encoding: 8bit', '',
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:cp1252@x', 'DTSTAMP:20260303T090000Z', 'DTSTART:20260801T080000Z',
        'SUMMARY:Kayak \x80 40 \x93Fjord\x94', 'END:VEVENT', 'END:VCALENDAR', '--m--', '',
      ]);
      const records = await recordsOf(raw);
      const message = records.find((r) => r.type === 'email.message');
      const event = records.find((r) => r.type === 'calendar.event');
      expect(String(message?.data.text).trim(), charset).toBe('Kayak € 40 “Fjord”');
      expect(event?.data.summary, charset).toBe('Kayak € 40 “Fjord”');
    }
  });

  it('still records the message when its invite cannot be read, and reports the invite', async () => {
    const records = await recordsOf(invite(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'this is not a property', 'END:VCALENDAR']));
    expect(records[0]?.type).toBe('email.message');
    expect(records.at(-1)?.data.problems).toEqual([expect.stringMatching(/^file:\/\/m\.eml: the calendar attachment invite\.ics cannot be read/)]);
  });
});

describe('imap connection settings', () => {
  it('defaults port and TLS, and picks XOAUTH2 when only a token is given', () => {
    expect(connectionSettings({ host: 'imap.example.org', user: 'u', pass: 'p' })).toMatchObject({ port: 993, secure: true, auth: { user: 'u', pass: 'p' } });
    expect(connectionSettings({ host: 'h', port: 143, user: 'u', pass: 'p' })).toMatchObject({ port: 143, secure: false });
    const oauth = connectionSettings({ host: 'imap.gmail.com', user: 'me@gmail.com', accessToken: 'ya29.token', auth: 'xoauth2' });
    expect(oauth).toMatchObject({ auth: { user: 'me@gmail.com', accessToken: 'ya29.token' }, account: 'me@gmail.com@imap.gmail.com:993' });
    expect(oauth.auth).not.toHaveProperty('pass');
    expect(() => connectionSettings({ host: 'h', user: 'u', auth: 'xoauth2', pass: 'p' })).toThrow(SourceInputError);
    expect(() => connectionSettings({ host: 'h', user: 'u' })).toThrow('no password for u@h:993');
  });
});
