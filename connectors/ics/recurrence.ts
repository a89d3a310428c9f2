/** Expanding a series into occurrences (RRULE, RDATE), and the keys EXDATE and RECURRENCE-ID name them by. */
import ICAL from 'ical.js';
import type { IcalProperty, IcalTime, IcalRecur } from './ical-types.js';
import { DAY_MS, localAsEpoch, floatingIcalTime } from './local-time.js';
import { type LocalDateTime } from '../../src/time/wall-clock.js';
import { type EventTime, instantOf, atLocalInFrame, atInstantInFrame, addDays, defaultEnd } from './event-time.js';
import { formatDate, formatLocal } from './time-format.js';
import type { FileContext } from './file-context.js';
import { type ParsedEvent, eventTimeOf } from './parsed-event.js';
import { rawValueOf } from './properties.js';
import { isInExpansionRange } from './window.js';

/** A series that produces more than this is a mistake (or an attack), not a calendar. */
const MAX_OCCURRENCES_PER_SERIES = 100_000;

export interface Occurrence {
  start: EventTime;
  end: EventTime;
}

/**
 * Occurrences from DTSTART (always one, per RFC 5545), every RRULE and RDATE, up to the
 * horizon. Returns undefined when a rule cannot be read or iterated.
 */
export function expandSeries(master: ParsedEvent, start: EventTime, namedKeys: Set<string>, scope: FileContext): Occurrence[] | undefined {
  const { window } = scope.context;
  const found = new Map<string, Occurrence>();
  const durationEnd = occurrenceEnd(master, start);
  const keep = (occurrence: Occurrence) => {
    const inRange = isInExpansionRange(occurrence.start, window);
    if (inRange || occurrenceKeys(occurrence.start).some((key) => namedKeys.has(key))) {
      const key = referenceKey(occurrence.start);
      if (!found.has(key)) found.set(key, occurrence);
    }
  };
  keep({ start, end: durationEnd(start) });

  for (const property of master.component.getAllProperties('rrule')) {
    const ruleText = rawValueOf(property) ?? '';
    const expanded = expandRule(ruleText, start, master, scope);
    if (expanded === undefined) return undefined;
    for (const local of expanded) {
      const occurrenceStart = atLocalInFrame(start, local);
      keep({ start: occurrenceStart, end: durationEnd(occurrenceStart) });
    }
  }
  for (const occurrence of recurrenceDates(master, start, scope)) keep(occurrence);
  if (master.component.hasProperty('exrule')) {
    scope.warnings.warn(master.label, 'has an EXRULE, which RFC 5545 deprecated and salvage does not apply; the occurrences it would remove are kept');
  }
  return [...found.values()].sort((a, b) => instantOf(a.start) - instantOf(b.start));
}

/** Each occurrence lasts as long as the first one (RFC 5545), measured in real time. */
export function occurrenceEnd(master: ParsedEvent, start: EventTime): (occurrenceStart: EventTime) => EventTime {
  const end = master.end;
  if (end === null) return defaultEnd;
  if (start.kind === 'date') {
    const days = Math.round((localAsEpoch(end.local) - localAsEpoch(start.local)) / DAY_MS);
    return (occurrenceStart) => addDays(occurrenceStart, days);
  }
  const durationMs = instantOf(end) - instantOf(start);
  return (occurrenceStart) => atInstantInFrame(end, instantOf(occurrenceStart) + durationMs);
}

/** Wall-clock starts the rule produces up to the horizon, or undefined when the rule is unusable. */
function expandRule(ruleText: string, start: EventTime, master: ParsedEvent, scope: FileContext): LocalDateTime[] | undefined {
  const invalid = (reason: string) => {
    scope.warnings.warn(master.label, `cannot use RRULE "${ruleText}" (${reason}); only the first occurrence (DTSTART) is kept`);
    return undefined;
  };
  let rule: IcalRecur;
  try {
    rule = ICAL.Recur.fromString(ruleText);
  } catch (error) {
    return invalid((error as Error).message);
  }
  if (!rule.freq) return invalid('no FREQ');
  const until = untilInStartFrame(rule.until, start);
  if (until !== null) rule.until = until;

  const horizon = scope.context.window.horizon.getTime();
  const starts: LocalDateTime[] = [];
  try {
    // ical.js iterates wall-clock times: a 09:00 meeting stays at 09:00 across DST.
    const iterator = rule.iterator(floatingIcalTime(start.local, start.kind === 'date'));
    for (let next = iterator.next(); next; next = iterator.next()) {
      const local = { year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second };
      if (instantOf(atLocalInFrame(start, local)) > horizon) break;
      if (starts.length >= MAX_OCCURRENCES_PER_SERIES) {
        scope.warnings.warn(master.label, `stopped expanding after ${MAX_OCCURRENCES_PER_SERIES} occurrences (at ${formatLocal(local)}); later ones are missing`);
        break;
      }
      starts.push(local);
    }
  } catch (error) {
    return invalid((error as Error).message);
  }
  return starts;
}

/**
 * Expansion runs on floating wall-clock times, so UNTIL must be one too. RFC 5545 has it
 * in UTC when DTSTART has a zone: convert it to that zone's wall clock. A date UNTIL on a
 * timed series includes that whole day.
 */
function untilInStartFrame(until: IcalTime | undefined | null, start: EventTime): IcalTime | null {
  if (until === undefined || until === null) return null;
  const local = { year: until.year, month: until.month, day: until.day, hour: until.hour, minute: until.minute, second: until.second };
  if (start.kind === 'date') return floatingIcalTime(local, true);
  if (until.isDate) return floatingIcalTime({ ...local, hour: 23, minute: 59, second: 59 }, false);
  if (until.zone === ICAL.Timezone.utcTimezone && start.kind === 'zoned') {
    return floatingIcalTime(start.zone.localAt(localAsEpoch(local)), false);
  }
  return floatingIcalTime(local, false);
}

function recurrenceDates(master: ParsedEvent, start: EventTime, scope: FileContext): Occurrence[] {
  const occurrences: Occurrence[] = [];
  const durationEnd = occurrenceEnd(master, start);
  for (const property of master.component.getAllProperties('rdate')) {
    for (const value of valuesOf(property, master, scope)) {
      if (value instanceof ICAL.Period) {
        const periodStart = eventTimeOf(value.start, property, scope.calendar.zones, master.label, scope.warnings);
        if (periodStart === null) continue;
        const occurrenceStart = inStartFrame(periodStart, start);
        const periodEnd = value.end === null || value.end === undefined ? null : eventTimeOf(value.end, property, scope.calendar.zones, master.label, scope.warnings);
        const end = periodEnd ?? (value.duration ? atInstantInFrame(occurrenceStart, instantOf(occurrenceStart) + value.duration.toSeconds() * 1000) : durationEnd(occurrenceStart));
        occurrences.push({ start: occurrenceStart, end });
      } else if (value instanceof ICAL.Time) {
        const time = eventTimeOf(value, property, scope.calendar.zones, master.label, scope.warnings);
        if (time === null) continue;
        const occurrenceStart = inStartFrame(time, start);
        occurrences.push({ start: occurrenceStart, end: durationEnd(occurrenceStart) });
      }
    }
  }
  return occurrences;
}

/** An RDATE in UTC for a zoned series is shown in the series' zone, like the generated ones. */
function inStartFrame(time: EventTime, start: EventTime): EventTime {
  if (time.kind === 'utc' && start.kind === 'zoned') return atInstantInFrame(start, time.epochMs);
  return time;
}

export function exceptionDateKeys(master: ParsedEvent, scope: FileContext): Set<string> {
  const keys = new Set<string>();
  for (const property of master.component.getAllProperties('exdate')) {
    for (const value of valuesOf(property, master, scope)) {
      if (!(value instanceof ICAL.Time)) continue;
      const time = eventTimeOf(value, property, scope.calendar.zones, master.label, scope.warnings);
      if (time !== null) keys.add(referenceKey(time));
    }
  }
  return keys;
}

function valuesOf(property: IcalProperty, event: ParsedEvent, scope: FileContext): unknown[] {
  try {
    return property.getValues();
  } catch (error) {
    scope.warnings.warn(event.label, `cannot read ${property.name.toUpperCase()} (${(error as Error).message}); it is ignored`);
    return [];
  }
}

/**
 * Keys under which an occurrence can be named by an EXDATE or RECURRENCE-ID. A zoned
 * occurrence also answers to its wall-clock time, so a floating or unresolvable id
 * written by a sloppy producer still finds it.
 */
export function occurrenceKeys(time: EventTime): string[] {
  switch (time.kind) {
    case 'date':
      return [`D${formatDate(time.local)}`];
    case 'utc':
      return [`I${time.epochMs}`];
    case 'zoned':
      return [`I${time.epochMs}`, `L${formatLocal(time.local)}`];
    case 'floating':
      return [`L${formatLocal(time.local)}`];
  }
}

/** The single key an EXDATE or RECURRENCE-ID value names. */
export function referenceKey(time: EventTime): string {
  return occurrenceKeys(time)[0] as string;
}
