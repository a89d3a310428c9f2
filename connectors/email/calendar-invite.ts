import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { ianaNameFor } from '../shared/time-zones.js';

/**
 * The events of a calendar invite attached to an email (`.ics`, `text/calendar`), as
 * `calendar.event` data with the field names and value formats of the `ics` connector
 * (connectors/ics/), so that one mapping rule reads both. An invite describes one
 * event (or one occurrence): a recurring series is not expanded here but flagged
 * (`recurring`, `rrule`); a calendar export belongs in an `ics` source.
 */
export interface InviteEvent {
  uid: string | null;
  recurrenceId: string | null;
  data: Record<string, unknown>;
  created: string | null;
  lastModified: string | null;
  /** DTSTAMP: when the organizer's calendar issued this version of the invite. */
  stamp: string | null;
  cancelled: boolean;
}

type IcalComponent = InstanceType<typeof ICAL.Component>;
type IcalProperty = InstanceType<typeof ICAL.Property>;
type IcalTime = InstanceType<typeof ICAL.Time>;

/** Throws when the text is not iCalendar; the caller reports it with the message it came from. */
export function inviteEvents(text: string): InviteEvent[] {
  const jcal = ICAL.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as unknown[];
  const roots = jcal.length > 0 && typeof jcal[0] === 'string' ? [jcal] : jcal;
  const events: InviteEvent[] = [];
  for (const root of roots) {
    const calendar = new ICAL.Component(root as unknown[]);
    const method = textOf(calendar, 'method');
    const zones = new ZoneResolver(calendar);
    for (const vevent of calendar.getAllSubcomponents('vevent')) events.push(eventOf(vevent, method, textOf(calendar, 'x-wr-calname'), zones));
  }
  return events;
}

function eventOf(vevent: IcalComponent, method: string | null, calendarName: string | null, zones: ZoneResolver): InviteEvent {
  const start = timeOf(vevent.getFirstProperty('dtstart'), zones);
  const end = endOf(vevent, start, zones);
  const recurrence = timeOf(vevent.getFirstProperty('recurrence-id'), zones);
  const status = textOf(vevent, 'status');
  const created = utcOf(vevent.getFirstProperty('created'));
  const lastModified = utcOf(vevent.getFirstProperty('last-modified'));
  const rrule = vevent.getFirstProperty('rrule');
  const uid = textOf(vevent, 'uid');
  const recurrenceId = recurrence === null ? null : recurrence.instant ?? recurrence.text;
  const data: Record<string, unknown> = {
    uid,
    summary: textOf(vevent, 'summary'),
    description: textOf(vevent, 'description'),
    location: textOf(vevent, 'location'),
    status,
    sequence: numberOf(vevent, 'sequence'),
    start: start?.text ?? null,
    end: end?.text ?? null,
    allDay: start?.allDay ?? false,
    timeZone: start?.zone ?? null,
    floating: start?.floating ?? false,
    ...(recurrenceId === null ? {} : { recurrenceId }),
    recurring: rrule !== null,
    ...(rrule === null ? {} : { rrule: rrule.toICALString().replace(/^RRULE:/i, '') }),
    organizer: organizerOf(vevent),
    attendees: vevent.getAllProperties('attendee').map((property) => ({
      email: addressOf(property),
      name: parameterOf(property, 'cn'),
      partstat: parameterOf(property, 'partstat'),
      role: parameterOf(property, 'role'),
    })),
    categories: vevent.getAllProperties('categories').flatMap((property) => property.getValues().map(String)),
    url: textOf(vevent, 'url'),
    calendarName,
    created,
    lastModified,
    method,
    extra: extraOf(vevent),
  };
  const cancelled = status?.toUpperCase() === 'CANCELLED' || method?.toUpperCase() === 'CANCEL';
  return { uid, recurrenceId, data, created, lastModified, stamp: utcOf(vevent.getFirstProperty('dtstamp')), cancelled };
}

// ---------------------------------------------------------------------------
// Times, formatted like the ics connector: `YYYY-MM-DD` (all-day), `...Z` (UTC),
// `...+02:00` (zoned), no offset (floating).

interface EventTime {
  text: string;
  /** The UTC instant, when the time has one. */
  instant: string | null;
  allDay: boolean;
  floating: boolean;
  zone: string | null;
  value: IcalTime;
  property: IcalProperty;
}

function timeOf(property: IcalProperty | null, zones: ZoneResolver): EventTime | null {
  if (property === null) return null;
  const value = property.getFirstValue() as unknown;
  if (!(value instanceof ICAL.Time)) return null;
  return describeTime(value, property, zones);
}

function describeTime(value: IcalTime, property: IcalProperty, zones: ZoneResolver): EventTime {
  const local = localText(value);
  if (value.isDate) return { text: local.slice(0, 10), instant: null, allDay: true, floating: false, zone: null, value, property };
  if (value.zone === ICAL.Timezone.utcTimezone || /Z$/i.test(String(property.toICALString()))) {
    return { text: `${local}Z`, instant: `${local}Z`, allDay: false, floating: false, zone: 'UTC', value, property };
  }
  const tzid = parameterOf(property, 'tzid');
  const offsetSeconds = tzid === null ? null : zones.offsetSeconds(tzid, value);
  if (tzid === null || offsetSeconds === null) {
    return { text: local, instant: null, allDay: false, floating: true, zone: tzid, value, property };
  }
  const instantMs = Date.UTC(value.year, value.month - 1, value.day, value.hour, value.minute, value.second) - offsetSeconds * 1000;
  const instant = new Date(instantMs).toISOString().replace('.000Z', 'Z');
  return { text: `${local}${formatOffset(offsetSeconds)}`, instant, allDay: false, floating: false, zone: tzid, value, property };
}

/** DTEND, else DTSTART + DURATION (in wall-clock time, as RFC 5545 says), else the start (a day for dates). */
function endOf(vevent: IcalComponent, start: EventTime | null, zones: ZoneResolver): EventTime | null {
  const explicit = timeOf(vevent.getFirstProperty('dtend'), zones);
  if (explicit !== null || start === null) return explicit;
  const duration = vevent.getFirstPropertyValue('duration') as unknown;
  const end = start.value.clone();
  if (duration instanceof ICAL.Duration) end.addDuration(duration);
  else if (start.allDay) end.adjust(1, 0, 0, 0);
  else return start;
  return describeTime(end, start.property, zones);
}

function utcOf(property: IcalProperty | null): string | null {
  if (property === null) return null;
  const value = property.getFirstValue() as unknown;
  if (!(value instanceof ICAL.Time)) return null;
  if (value.isDate) return `${localText(value).slice(0, 10)}T00:00:00Z`;
  // CREATED, LAST-MODIFIED and DTSTAMP must be UTC; a zone-less value is read as UTC.
  return `${localText(value)}Z`;
}

function localText(value: IcalTime): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(value.year, 4)}-${pad(value.month)}-${pad(value.day)}T${pad(value.hour)}:${pad(value.minute)}:${pad(value.second)}`;
}

function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(seconds) / 60);
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** TZIDs of one VCALENDAR: its own VTIMEZONEs first (like the ics connector), then IANA names. */
class ZoneResolver {
  private readonly definitions = new Map<string, InstanceType<typeof ICAL.Timezone>>();

  constructor(calendar: IcalComponent) {
    for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
      const tzid = vtimezone.getFirstPropertyValue('tzid');
      if (typeof tzid === 'string' && vtimezone.getAllSubcomponents().length > 0) this.definitions.set(tzid, new ICAL.Timezone(vtimezone));
    }
  }

  /** Seconds east of UTC for this wall-clock time, or null when the zone is unknown. */
  offsetSeconds(tzid: string, value: IcalTime): number | null {
    const definition = this.definitions.get(tzid);
    if (definition !== undefined) {
      try {
        const offset = definition.utcOffset(value);
        if (Number.isFinite(offset)) return offset;
      } catch {
        // An unreadable VTIMEZONE: fall through to the IANA name.
      }
    }
    const iana = ianaNameFor(tzid);
    if (iana === undefined) return null;
    const local = DateTime.fromObject(
      { year: value.year, month: value.month, day: value.day, hour: value.hour, minute: value.minute, second: value.second },
      { zone: iana },
    );
    return local.isValid ? local.offset * 60 : null;
  }
}

// ---------------------------------------------------------------------------
// Properties

function textOf(component: IcalComponent, name: string): string | null {
  const property = component.getFirstProperty(name);
  if (property === null) return null;
  try {
    const value: unknown = property.getFirstValue();
    if (value === null || value === undefined) return null;
    const text = String(value);
    // ical.js leaves X- properties undecoded; they are TEXT in practice.
    return property.type === 'unknown' ? text.replace(/\\([\\;,nN])/g, (_, char: string) => (char === 'n' || char === 'N' ? '\n' : char)) : text;
  } catch {
    return null;
  }
}

function numberOf(component: IcalComponent, name: string): number | null {
  const value: unknown = component.getFirstPropertyValue(name);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function parameterOf(property: IcalProperty, name: string): string | null {
  const value: unknown = property.getParameter(name);
  if (Array.isArray(value)) return value.length ? String(value[0]) : null;
  return typeof value === 'string' && value !== '' ? value : null;
}

function addressOf(property: IcalProperty): string | null {
  const value: unknown = property.getFirstValue();
  const address = String(value ?? '').trim().replace(/^mailto:/i, '');
  return address !== '' ? address : parameterOf(property, 'email');
}

function organizerOf(vevent: IcalComponent): { email: string | null; name: string | null } | null {
  const property = vevent.getFirstProperty('organizer');
  return property === null ? null : { email: addressOf(property), name: parameterOf(property, 'cn') };
}

function extraOf(vevent: IcalComponent): Record<string, string | string[]> {
  const extra: Record<string, string | string[]> = {};
  for (const property of vevent.getAllProperties()) {
    if (!property.name.startsWith('x-')) continue;
    const name = property.name.toUpperCase();
    const value = String(property.getFirstValue() ?? '');
    const previous = extra[name];
    if (previous === undefined) extra[name] = value;
    else extra[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return extra;
}
