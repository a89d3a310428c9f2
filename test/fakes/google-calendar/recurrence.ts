import { DateTime } from 'luxon';
import type { FakeEvent, FakeEventTime } from './model.js';

/**
 * Expands a series master into its instances the way Calendar v3 does with
 * `singleEvents=true`: wall-clock times in the series' zone (10:00 stays 10:00 across a
 * DST change), instance ids `<masterId>_<UTC start>` (`_20260307T090000Z`, or
 * `_20260307` for all-day series), and exceptions (moved or cancelled instances, stored
 * as events with `recurringEventId` + `originalStartTime`) in place of the generated one.
 *
 * Supports the RRULE subset the tests use: FREQ=DAILY|WEEKLY, INTERVAL, COUNT, UNTIL,
 * BYDAY (weekly). Open-ended series stop after MAX_INSTANCES, as Google's expansion is
 * bounded too.
 */
const MAX_INSTANCES = 730;
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

interface Rule {
  freq: 'DAILY' | 'WEEKLY';
  interval: number;
  count?: number;
  until?: DateTime;
  byDay?: number[];
}

export function expandSeries(master: FakeEvent, exceptions: FakeEvent[]): FakeEvent[] {
  const rule = parseRule(master.recurrence ?? []);
  const allDay = Boolean(master.start?.date);
  const zone = master.start?.timeZone ?? 'UTC';
  const first = allDay
    ? DateTime.fromISO(master.start?.date ?? '', { zone: 'UTC' })
    : DateTime.fromISO(master.start?.dateTime ?? '', { setZone: true }).setZone(zone);
  const lengthMs = durationMs(master);
  const byOriginalStart = new Map(exceptions.map((exception) => [originalKey(exception.originalStartTime), exception]));
  return occurrences(first, rule).map((start) => {
    const originalStartTime = allDay ? { date: start.toISODate() ?? '' } : { dateTime: iso(start), timeZone: zone };
    const exception = byOriginalStart.get(originalKey(originalStartTime));
    if (exception !== undefined) return exception;
    const { recurrence: _recurrence, ...fields } = master;
    const end = allDay
      ? { date: start.plus({ days: Math.round(lengthMs / 86_400_000) }).toISODate() ?? '' }
      : { dateTime: iso(start.plus({ milliseconds: lengthMs })), timeZone: master.end?.timeZone ?? zone };
    return {
      ...fields,
      id: instanceId(master.id ?? '', start, allDay),
      recurringEventId: master.id,
      originalStartTime,
      start: allDay ? { date: start.toISODate() ?? '' } : { dateTime: iso(start), timeZone: zone },
      end,
    };
  });
}

/** Google's instance id: the master's id and the original start in UTC. */
export function instanceId(masterId: string, start: DateTime, allDay: boolean): string {
  return `${masterId}_${allDay ? start.toFormat('yyyyMMdd') : start.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'")}`;
}

/** The instant (or date) an originalStartTime names, whatever zone it is written in. */
export function originalKey(time: FakeEventTime | undefined): string {
  if (time?.date) return time.date;
  const parsed = DateTime.fromISO(time?.dateTime ?? '', { setZone: true });
  return parsed.isValid ? String(parsed.toMillis()) : '';
}

function occurrences(first: DateTime, rule: Rule): DateTime[] {
  const found: DateTime[] = [];
  const limit = rule.count ?? MAX_INSTANCES;
  const fits = (start: DateTime) => rule.until === undefined || start.toMillis() <= rule.until.toMillis();
  if (rule.freq === 'DAILY') {
    for (let i = 0; found.length < limit; i++) {
      const start = first.plus({ days: i * rule.interval });
      if (!fits(start)) break;
      found.push(start);
    }
    return found;
  }
  const days = rule.byDay ?? [first.weekday];
  const weekStart = first.minus({ days: first.weekday - 1 });
  for (let week = 0; found.length < limit; week += rule.interval) {
    const candidates = days
      .map((weekday) => weekStart.plus({ weeks: week, days: weekday - 1 }))
      .filter((start) => start.toMillis() >= first.toMillis())
      .sort((a, b) => a.toMillis() - b.toMillis());
    for (const start of candidates) {
      if (!fits(start) || found.length >= limit) return found;
      found.push(start);
    }
  }
  return found;
}

function parseRule(lines: string[]): Rule {
  const line = lines.find((text) => text.startsWith('RRULE:'));
  if (line === undefined) throw new Error(`fake calendar: no RRULE in ${JSON.stringify(lines)}`);
  const parts = new Map(line.slice('RRULE:'.length).split(';').map((part) => part.split('=') as [string, string]));
  const freq = parts.get('FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY') throw new Error(`fake calendar: FREQ=${String(freq)} is not supported`);
  const until = parts.get('UNTIL');
  return {
    freq,
    interval: Number(parts.get('INTERVAL') ?? 1),
    count: parts.has('COUNT') ? Number(parts.get('COUNT')) : undefined,
    until: until === undefined ? undefined : DateTime.fromFormat(until, until.length === 8 ? 'yyyyMMdd' : "yyyyMMdd'T'HHmmss'Z'", { zone: 'UTC' }),
    byDay: parts.get('BYDAY')?.split(',').map((day) => WEEKDAYS.indexOf(day) + 1),
  };
}

function durationMs(event: FakeEvent): number {
  if (event.start?.date && event.end?.date) return Date.parse(event.end.date) - Date.parse(event.start.date);
  const start = DateTime.fromISO(event.start?.dateTime ?? '', { setZone: true });
  const end = DateTime.fromISO(event.end?.dateTime ?? '', { setZone: true });
  return end.toMillis() - start.toMillis();
}

function iso(time: DateTime): string {
  return time.toISO({ suppressMilliseconds: true }) ?? '';
}
