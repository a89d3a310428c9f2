/**
 * Exports as real tools write them, generated: CSV from spreadsheets and CRMs, ICS from
 * Google Calendar, Outlook/Exchange, Apple Calendar and Zimbra, each with the quirks
 * seen in the wild. Every generator returns the file and what a reader must make of it:
 * the ids it must read and the locations it must reject, so a case can assert both.
 */

export interface ExportCase {
  /** Path under the case directory. */
  file: string;
  content: string | Buffer;
  /** Record ids a pull must yield (in order). */
  ids: string[];
  /** `file:line` (or `file:first-last`) of each record it must reject, with what. */
  rejected: Array<{ location: string; what: string; reason: RegExp }>;
  /** Warnings it must print (each matched by one line at least). */
  warnings: RegExp[];
}

const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;
const lf = (lines: string[]) => `${lines.join('\n')}\n`;
const csvIds = (file: string, lines: number[]) => lines.map((line) => `${file}#L${line}`);

// ---------------------------------------------------------------------------
// CSV

/** Google Sheets "Download as CSV": LF, no BOM, quotes only where needed, doubled inside. */
export function sheetsContacts(): ExportCase {
  const file = 'exports/Contacts - Sheet1.csv';
  const content = lf([
    'id,name,email,location,notes',
    '1,Ada Lovelace,ada@example.com,"59°54\'41.5""N 10°45\'10.1""E",',
    '2,"O\'Brien, Pat",pat@example.com,,"Called twice,',
    'wants a callback"',
    '3,Zoë 🚣,zoe@example.com,Tromsø,',
  ]);
  return { file, content, ids: csvIds(file, [2, 3, 5]), rejected: [], warnings: [] };
}

/** Excel "CSV UTF-8" on a Norwegian Windows: BOM, CRLF, `;` with decimal commas, a multi-line cell. */
export function excelBookings(): ExportCase {
  const file = 'exports/bookings.csv';
  const content = `\uFEFF${crlf(['id;kunde;beløp;merknad', '10;Ødegård AS;1 250,50;"Linje 1\r\nLinje 2"', '11;Müller GmbH;99,00;', '12;Smith & Sons;0,00;"sa ""ja"""'])}`;
  return { file, content, ids: csvIds(file, [2, 4, 5]), rejected: [], warnings: [] };
}

/**
 * A CRM export (HubSpot/Salesforce style): fields quoted only when the exporter thought
 * so, so a quote inside an unquoted field comes out bare (`27" monitor`, `37°36'37.8"N`),
 * one row pasted from a Windows document carries a cp1252 byte, and the last note opens
 * a quote that never closes.
 */
export function crmDeals(): ExportCase {
  const file = 'exports/crm-deals.csv';
  const content = Buffer.concat([
    Buffer.from(lf([
      'id,deal,amount,site,notes',
      '100,27" monitor,349.00,37°36\'37.8"N 122°22\'30.1"W,ok',
      '101,Desk,120.00,Oslo,"quoted, properly"',
    ])),
    // A smart quote from Word, as cp1252 (0x93/0x94): not UTF-8.
    Buffer.from([...Buffer.from('102,Chair,80.00,Bergen,'), 0x93, ...Buffer.from('asap'), 0x94, 0x0a]),
    Buffer.from(lf(['103,Lamp,25.00,Trondheim,fine', '104,Sofa,900.00,Oslo,"call me back, she said', '105,Rug,60.00,Oslo,lost in the open quote'])),
  ]);
  return {
    file,
    content,
    ids: csvIds(file, [2, 3, 5]),
    rejected: [
      { location: `${file}:4`, what: 'csv row', reason: /not valid UTF-8.*encoding: windows-1252/ },
      { location: `${file}:6-7`, what: 'csv row', reason: /never closed/ },
    ],
    warnings: [/crm-deals\.csv:2: a quote inside an unquoted field is read as written/],
  };
}

/** A large CRM export, generated: every 97th row has a bare quote; all rows read, the warnings capped. */
export function largeCrmExport(rows: number): ExportCase {
  const file = 'exports/crm-large.csv';
  const lines = ['id,product,price'];
  for (let i = 1; i <= rows; i++) lines.push(i % 97 === 0 ? `${i},${i % 40}" screen,${i}.00` : `${i},item ${i},${i}.00`);
  const quoted = Math.floor(rows / 97);
  return {
    file,
    content: lf(lines),
    ids: csvIds(file, Array.from({ length: rows }, (_, i) => i + 2)),
    rejected: [],
    warnings: [/crm-large\.csv:98: a quote inside an unquoted field/, new RegExp(`crm-large\\.csv: ${quoted - 5} more quote warnings not shown \\(${quoted} in all\\)`)],
  };
}

// ---------------------------------------------------------------------------
// ICS

const OSLO = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Oslo', 'X-LIC-LOCATION:Europe/Oslo',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'TZNAME:CEST', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'TZNAME:CET', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];

const W_EUROPE = [
  'BEGIN:VTIMEZONE', 'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD', 'DTSTART:16010101T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', 'END:STANDARD',
  'BEGIN:DAYLIGHT', 'DTSTART:16010101T020000', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', 'END:DAYLIGHT',
  'END:VTIMEZONE',
];

/** RFC 5545 folding at 75 octets (here: characters, the text is ASCII), continuation lines start with a space. */
function fold(line: string): string[] {
  const out = [line.slice(0, 75)];
  for (let i = 75; i < line.length; i += 74) out.push(` ${line.slice(i, i + 74)}`);
  return out;
}

/** Google Calendar's export: X-WR-* headers, a VTIMEZONE, folded descriptions, a weekly series with an override, an all-day event. */
export function googleCalendar(): ExportCase {
  const file = 'calendars/google.ics';
  const description = `DESCRIPTION:${'Agenda: review the quarter, plan the next one, and agree who does what. '.repeat(3).trim()}`;
  const content = crlf([
    'BEGIN:VCALENDAR', 'PRODID:-//Google Inc//Google Calendar 70.9054//EN', 'VERSION:2.0', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH',
    'X-WR-CALNAME:Team', 'X-WR-TIMEZONE:Europe/Oslo', ...OSLO,
    'BEGIN:VEVENT', 'DTSTART;TZID=Europe/Oslo:20260302T090000', 'DTEND;TZID=Europe/Oslo:20260302T093000', 'RRULE:FREQ=WEEKLY;COUNT=3;BYDAY=MO',
    'DTSTAMP:20260425T080000Z', 'UID:standup@google.com', 'CREATED:20260301T120000Z', ...fold(description), 'LAST-MODIFIED:20260301T120000Z',
    'SEQUENCE:0', 'STATUS:CONFIRMED', 'SUMMARY:Standup', 'TRANSP:OPAQUE', 'END:VEVENT',
    'BEGIN:VEVENT', 'DTSTART;TZID=Europe/Oslo:20260309T100000', 'DTEND;TZID=Europe/Oslo:20260309T103000', 'DTSTAMP:20260425T080000Z', 'UID:standup@google.com',
    'RECURRENCE-ID;TZID=Europe/Oslo:20260309T090000', 'CREATED:20260301T120000Z', 'LAST-MODIFIED:20260305T120000Z', 'SEQUENCE:1', 'SUMMARY:Standup (moved)', 'END:VEVENT',
    'BEGIN:VEVENT', 'DTSTART;VALUE=DATE:20260317', 'DTEND;VALUE=DATE:20260318', 'DTSTAMP:20260425T080000Z', 'UID:offsite@google.com', 'CREATED:20260301T120000Z',
    'SUMMARY:Offsite', 'END:VEVENT',
    'END:VCALENDAR',
  ]);
  return {
    file,
    content,
    ids: ['standup@google.com@2026-03-02T08:00:00Z', 'standup@google.com@2026-03-09T08:00:00Z', 'standup@google.com@2026-03-16T08:00:00Z', 'offsite@google.com'],
    rejected: [],
    warnings: [],
  };
}

/**
 * Outlook/Exchange: Windows zone names with their VTIMEZONE, X-MICROSOFT-CDO-* lines, the
 * quoted TZID that swallowed the value, and a TZID= prefix written into a value.
 */
export function outlookCalendar(): ExportCase {
  const file = 'calendars/outlook.ics';
  const event = (uid: string, start: string, extra: string[] = []) => [
    'BEGIN:VEVENT', 'CLASS:PUBLIC', 'CREATED:20260301T120000Z', start, 'DTEND;TZID="W. Europe Standard Time":20260609T100000',
    'DTSTAMP:20260425T080000Z', 'PRIORITY:5', 'SEQUENCE:0', `SUMMARY;LANGUAGE=nb-no:Møte ${uid}`, 'TRANSP:OPAQUE', `UID:${uid}`,
    'X-MICROSOFT-CDO-BUSYSTATUS:BUSY', 'X-MICROSOFT-CDO-IMPORTANCE:1', 'X-MICROSOFT-DISALLOW-COUNTER:FALSE', ...extra, 'END:VEVENT',
  ];
  const content = crlf([
    'BEGIN:VCALENDAR', 'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN', 'VERSION:2.0', 'METHOD:PUBLISH', 'X-MS-OLK-FORCEINSPECTOROPEN:TRUE', ...W_EUROPE,
    ...event('040000008200E00074C5B7101A82E00800000000A1', 'DTSTART;TZID="W. Europe Standard Time":20260609T090000'),
    ...event('040000008200E00074C5B7101A82E00800000000A2', 'DTSTART;TZID="W. Europe Standard Time:20260610T090000"'),
    ...event('040000008200E00074C5B7101A82E00800000000A3', 'DTSTART:TZID=W. Europe Standard Time:20260611T090000'),
    'END:VCALENDAR',
  ]);
  return {
    file,
    content,
    ids: ['040000008200E00074C5B7101A82E00800000000A1', '040000008200E00074C5B7101A82E00800000000A2', '040000008200E00074C5B7101A82E00800000000A3'],
    rejected: [],
    warnings: [/outlook\.ics: DTSTART;TZID="W\. Europe Standard Time:20260610T090000": the quoted TZID parameter held the value too/, /outlook\.ics: DTSTART:TZID=W\. Europe Standard Time:20260611T090000: the value starts with TZID=/],
  };
}

/** Apple Calendar: X-APPLE-* lines, a structured location with quoted parameters, a VALARM with its own UID. */
export function appleCalendar(): ExportCase {
  const file = 'calendars/apple.ics';
  const content = crlf([
    'BEGIN:VCALENDAR', 'METHOD:PUBLISH', 'VERSION:2.0', 'X-WR-CALNAME:Hjem', 'PRODID:-//Apple Inc.//macOS 14.4//EN', 'X-APPLE-CALENDAR-COLOR:#1BADF8',
    'X-WR-TIMEZONE:Europe/Oslo', 'CALSCALE:GREGORIAN', ...OSLO,
    'BEGIN:VEVENT', 'TRANSP:OPAQUE', 'DTEND;TZID=Europe/Oslo:20260405T130000', 'UID:6B1A4C2E-1F3D-4E5A-9B8C-7D6E5F4A3B2C',
    'DTSTAMP:20260425T080000Z', 'LOCATION:Karl Johans gate 1\\nOslo', 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC', 'SEQUENCE:0',
    'X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS="Karl Johans gate 1, Oslo";X-APPLE-RADIUS=70;X-TITLE="Karl Johans gate 1":geo:59.913,10.740',
    'SUMMARY:Lunsj', 'LAST-MODIFIED:20260320T101010Z', 'CREATED:20260320T101000Z', 'DTSTART;TZID=Europe/Oslo:20260405T120000',
    'BEGIN:VALARM', 'X-WR-ALARMUID:0D0C0B0A-1111-2222-3333-444455556666', 'UID:0D0C0B0A-1111-2222-3333-444455556666', 'TRIGGER:-PT15M',
    'ACTION:DISPLAY', 'DESCRIPTION:Reminder', 'END:VALARM', 'END:VEVENT',
    'END:VCALENDAR',
  ]);
  return { file, content, ids: ['6B1A4C2E-1F3D-4E5A-9B8C-7D6E5F4A3B2C'], rejected: [], warnings: [] };
}

/**
 * Zimbra: X-ALT-DESC HTML, a time without seconds, a DESCRIPTION continuation line that
 * lost its leading space (its event is rejected at that line), and a file cut off inside
 * its last event (that event is rejected at its BEGIN line).
 */
export function zimbraCalendar(): ExportCase {
  const file = 'calendars/zimbra.ics';
  const lines = [
    'BEGIN:VCALENDAR', 'X-WR-CALNAME:Calendar', 'X-WR-CALID:1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b:10', 'PRODID:Zimbra-Calendar-Provider', 'VERSION:2.0', 'METHOD:PUBLISH', ...OSLO,
    'BEGIN:VEVENT', 'UID:zimbra-1', 'SUMMARY:Kickoff', 'X-ALT-DESC;FMTTYPE=text/html:<html><body><b>Kickoff</b></body></html>', 'ORGANIZER;CN=Kari:mailto:kari@example.com',
    'DTSTART;TZID="Europe/Oslo":20260611T0930', 'DTEND;TZID="Europe/Oslo":20260611T1030', 'STATUS:CONFIRMED', 'CLASS:PUBLIC', 'X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY',
    'TRANSP:OPAQUE', 'LAST-MODIFIED:20260310T080000Z', 'DTSTAMP:20260425T080000Z', 'SEQUENCE:0', 'END:VEVENT',
    'BEGIN:VEVENT', 'UID:zimbra-2', 'SUMMARY:Review', 'DESCRIPTION:First line of the notes', 'second line that lost its leading space',
    'DTSTART;TZID="Europe/Oslo":20260612T090000', 'LAST-MODIFIED:20260310T080000Z', 'END:VEVENT',
    'BEGIN:VEVENT', 'UID:zimbra-3', 'SUMMARY:Retro', 'DTSTART;TZID="Europe/Oslo":20260613T090000', 'LAST-MODIFIED:20260310T080000Z', 'END:VEVENT',
    'BEGIN:VEVENT', 'UID:zimbra-4', 'SUMMARY:Cut off',
  ];
  const brokenLine = lines.indexOf('second line that lost its leading space') + 1;
  const cutOff = lines.lastIndexOf('BEGIN:VEVENT') + 1;
  return {
    file,
    content: crlf(lines),
    ids: ['zimbra-1', 'zimbra-3'],
    rejected: [
      { location: `${file}:${brokenLine}`, what: 'calendar event', reason: /not an iCalendar content line.*lost its leading space/ },
      { location: `${file}:${cutOff}`, what: 'calendar event', reason: /the file ends inside this VEVENT/ },
    ],
    warnings: [/zimbra\.ics: DTSTART;TZID="Europe\/Oslo":20260611T0930: time without seconds/, /zimbra\.ics: the file ends without END:VCALENDAR/],
  };
}

/** Fifty exports of one calendar each; one has the Outlook quirk, one an unparseable line. The other 49 files read in full. */
export function fiftyExports(): ExportCase[] {
  return Array.from({ length: 50 }, (_, n) => {
    const file = `calendars/rooms/room-${String(n + 1).padStart(2, '0')}.ics`;
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN', ...W_EUROPE];
    const ids: string[] = [];
    for (let e = 0; e < 40; e++) {
      const uid = `room${n + 1}-event${e + 1}`;
      ids.push(uid);
      const start = n === 7 && e === 3 ? 'DTSTART;TZID="W. Europe Standard Time:20260609T090000"' : `DTSTART;TZID="W. Europe Standard Time":202606${String((e % 28) + 1).padStart(2, '0')}T090000`;
      lines.push('BEGIN:VEVENT', `UID:${uid}`, `SUMMARY:Booking ${e + 1}`, start, 'CREATED:20260301T120000Z', ...(n === 30 && e === 12 ? ['Room on the 4th floor'] : []), 'END:VEVENT');
    }
    lines.push('END:VCALENDAR');
    const broken = n === 30 ? lines.indexOf('Room on the 4th floor') + 1 : undefined;
    return {
      file,
      content: crlf(lines),
      ids: broken ? ids.filter((id) => id !== `room31-event13`) : ids,
      rejected: broken ? [{ location: `${file}:${broken}`, what: 'calendar event', reason: /not an iCalendar content line/ }] : [],
      warnings: n === 7 ? [/room-08\.ics: DTSTART;TZID="W\. Europe Standard Time:20260609T090000": the quoted TZID parameter held the value too/] : [],
    };
  });
}
