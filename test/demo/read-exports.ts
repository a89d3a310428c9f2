import ICAL from 'ical.js';
import { parse } from 'csv-parse/sync';

/**
 * Reads the sample incident's exports back with independent, real parsers
 * (csv-parse, ical.js), so the tests check what a connector would actually see.
 */

export function readCsv(content: string): Array<Record<string, string>> {
  return parse(content, { bom: true, columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}

export interface CalendarEvent {
  uid: string;
  summary: string;
  status: string | null;
  description: string | null;
  /** Epoch ms of DTSTART/DTEND; for all-day events, the DATE as `yyyy-MM-dd` too. */
  start: number;
  end: number;
  allDay: boolean;
  startDate: string;
  endDate: string;
  created: number | null;
  lastModified: number | null;
  attendeeName: string | null;
  attendeeEmail: string | null;
  recurring: boolean;
}

export function readCalendar(content: string): CalendarEvent[] {
  const calendar = new ICAL.Component(ICAL.parse(content));
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    const utcMs = (name: string) => {
      const value = component.getFirstPropertyValue(name);
      return value instanceof ICAL.Time ? value.toJSDate().getTime() : null;
    };
    const attendee = component.getFirstProperty('attendee');
    const attendeeValue = attendee?.getFirstValue();
    const cn = attendee?.getParameter('cn');
    return {
      uid: event.uid,
      summary: event.summary,
      status: (component.getFirstPropertyValue('status') as string | null) ?? null,
      description: event.description ?? null,
      start: event.startDate.toJSDate().getTime(),
      end: event.endDate.toJSDate().getTime(),
      allDay: event.startDate.isDate,
      startDate: event.startDate.toString(),
      endDate: event.endDate.toString(),
      created: utcMs('created'),
      lastModified: utcMs('last-modified'),
      attendeeName: typeof cn === 'string' ? cn : null,
      attendeeEmail: typeof attendeeValue === 'string' ? attendeeValue.replace(/^mailto:/i, '') : null,
      recurring: event.isRecurring(),
    };
  });
}

/** `Key: value` lines of a booking event's description. */
export function descriptionFields(description: string | null): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of (description ?? '').split('\n')) {
    const match = /^([A-Za-z]+): (.*)$/.exec(line);
    if (match?.[1] && match[2] !== undefined) fields[match[1]] = match[2];
  }
  return fields;
}
