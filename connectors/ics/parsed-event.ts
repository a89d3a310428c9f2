import ICAL from 'ical.js';
import type { IcalComponent, IcalProperty, IcalTime } from './ical-types.js';
import { localAsEpoch } from './local-time.js';
import type { ZoneDirectory } from './zones.js';
import { type EventTime, instantOf, atInstantInFrame, zonedTime, addDays } from './event-time.js';
import type { CalendarContext, EventWarnings } from './file-context.js';
import { firstParameter } from './properties.js';

/** One VEVENT, with the values every later step needs read once. */
export interface ParsedEvent {
  component: IcalComponent;
  /** 1-based position among the file's VEVENTs: names an event that has no UID. */
  position: number;
  uid: string | null;
  /** How warnings name the event: its UID, or its position when it has none. */
  label: string;
  start: EventTime | null;
  /** DTEND, or DTSTART + DURATION; null when neither is given. */
  end: EventTime | null;
  recurrenceId: EventTime | null;
  created: EventTime | null;
  lastModified: EventTime | null;
}

export function parseEvent(component: IcalComponent, position: number, calendar: CalendarContext, warnings: EventWarnings): ParsedEvent {
  const uidValue = component.getFirstPropertyValue('uid');
  const uid = typeof uidValue === 'string' && uidValue.trim() !== '' ? uidValue : null;
  const label = uid === null ? `#${position} (no UID)` : `"${uid}"`;
  const read = (name: string) => readTimeProperty(component.getFirstProperty(name), calendar.zones, label, warnings);
  const start = read('dtstart');
  return {
    component,
    position,
    uid,
    label,
    start,
    end: read('dtend') ?? endFromDuration(component, start, label, warnings),
    recurrenceId: read('recurrence-id'),
    created: read('created'),
    lastModified: read('last-modified'),
  };
}

function readTimeProperty(
  property: IcalProperty | null,
  zones: ZoneDirectory,
  eventLabel: string,
  warnings: EventWarnings,
): EventTime | null {
  if (property === null) return null;
  let value: unknown;
  try {
    value = property.getFirstValue();
  } catch (error) {
    warnings.warn(eventLabel, `cannot read ${property.name.toUpperCase()} (${(error as Error).message}); it is left empty`);
    return null;
  }
  if (!(value instanceof ICAL.Time)) return null;
  return eventTimeOf(value, property, zones, eventLabel, warnings);
}

export function eventTimeOf(
  value: IcalTime,
  property: IcalProperty,
  zones: ZoneDirectory,
  eventLabel: string,
  warnings: EventWarnings,
): EventTime | null {
  const local = { year: value.year, month: value.month, day: value.day, hour: value.hour, minute: value.minute, second: value.second };
  if (Object.values(local).some((part) => !Number.isFinite(part))) {
    warnings.warn(eventLabel, `cannot read ${property.name.toUpperCase()} "${String(value)}"; it is left empty`);
    return null;
  }
  if (value.isDate) return { kind: 'date', local: { ...local, hour: 0, minute: 0, second: 0 } };
  if (value.zone === ICAL.Timezone.utcTimezone) return { kind: 'utc', local, epochMs: localAsEpoch(local) };
  const tzid = firstParameter(property, 'tzid');
  if (tzid === null) return { kind: 'floating', local, tzid: null };
  const zone = zones.resolve(tzid);
  if (zone === null) {
    warnings.warn(eventLabel, `unknown time zone "${tzid}" (no VTIMEZONE in the file, not an IANA or Windows name); its times are kept without an offset (floating)`);
    return { kind: 'floating', local, tzid };
  }
  const time = zonedTime(local, tzid, zone);
  if (time.skipped) {
    warnings.warn(eventLabel, `${property.name.toUpperCase()} ${String(value)} does not exist in ${tzid} (the clocks skipped it); read with the offset before the change, as RFC 5545 says`);
  }
  return time;
}

function endFromDuration(component: IcalComponent, start: EventTime | null, eventLabel: string, warnings: EventWarnings): EventTime | null {
  const property = component.getFirstProperty('duration');
  if (property === null || start === null) return null;
  let duration: unknown;
  try {
    duration = property.getFirstValue();
  } catch (error) {
    warnings.warn(eventLabel, `cannot read DURATION (${(error as Error).message}); the default end is used`);
    return null;
  }
  if (!(duration instanceof ICAL.Duration)) return null;
  const seconds = duration.toSeconds();
  if (start.kind === 'date') return addDays(start, Math.round(seconds / 86_400));
  return atInstantInFrame(start, instantOf(start) + seconds * 1000);
}

export function isRecurring(event: ParsedEvent): boolean {
  return event.component.hasProperty('rrule') || event.component.hasProperty('rdate');
}
