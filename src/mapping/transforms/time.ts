import { z } from 'zod';
import { TransformError, type Value, defineTransform, options, show } from './core.js';
import { type Moment, type ReadOptions, readMoment } from './moment.js';
import { FIRST_SECOND, LAST_SECOND, utcDateTime } from '../../time/utc-clock.js';
import { formatClock, formatDate, resolveWallClock, timeZone, wallClockIn } from './zones.js';
import { isoTimestampStep, unixTimestampStep } from '../../sql/rule-steps.js';

/**
 * Dates and times. A value with an offset (or a unix time) is an instant and `tz` only
 * says where to read its date or clock; a value without one is a wall-clock time and
 * `tz` says where that wall is. Without `tz` such a value is an error: guessing UTC
 * moves every booking by the zone's offset, silently.
 */

const locale = z
  .string()
  .refine((tag) => {
    try {
      return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0;
    } catch {
      return false; // not even a well-formed language tag
    }
  }, { error: 'unknown locale (use a tag like en-US, nb-NO, de-DE)' });

const readShape = {
  tz: timeZone.optional(),
  format: z.string().min(1, 'format cannot be empty').optional(),
  locale: locale.default('en-US'),
  unix: z.enum(['s', 'ms'], { error: 'unix must be s or ms' }).optional(),
};

const formatOrUnix = { error: 'give either format or unix, not both' };

function formatInstant(value: Value, epochSeconds: number, fraction: string): string {
  if (epochSeconds < FIRST_SECOND || epochSeconds > LAST_SECOND) throw new TransformError(`${show(value)} is outside years 1-9999`);
  // As a Date would: milliseconds cut toward zero, then the second they fall in.
  const whole = Number.isInteger(epochSeconds) ? epochSeconds : Math.floor(Math.trunc(epochSeconds * 1000) / 1000);
  return `${utcDateTime(whole)}${fraction ? `.${fraction}` : ''}Z`;
}

function withFraction(clock: string, fraction: string): string {
  return fraction ? `${clock}.${fraction}` : clock;
}

function needZone(value: Value, tz: string | undefined, why: string, example: string): string {
  if (tz) return tz;
  throw new TransformError(`${show(value)} ${why}; name the zone with tz, e.g. ${example}`);
}

function noDate(value: Value, clock: Extract<Moment, { kind: 'clock' }>): never {
  throw new TransformError(`${show(value)} is a time of day (${formatClock(clock)}) with no date`);
}

export const timestamp = defineTransform({
  name: 'timestamp',
  output: 'timestamp',
  summary: 'an instant as UTC ISO text "2026-07-04T07:00:00Z"; local times need tz (gap: error, overlap: earlier unless ambiguous: later)',
  usage: [
    'timestamp',
    '{ timestamp: { tz: Europe/Oslo } }',
    "{ timestamp: { tz: Europe/Oslo, format: 'dd.MM.yyyy HH:mm' } }",
    '{ timestamp: { unix: s } }',
    '{ timestamp: { tz: America/New_York, ambiguous: later } }',
  ],
  args: options(
    { ...readShape, ambiguous: z.enum(['earlier', 'later'], { error: 'ambiguous must be earlier or later' }).default('earlier') },
    '{ tz: Europe/Oslo }',
  ).refine((a) => !(a.format && a.unix), formatOrUnix),
  apply(value, args) {
    const moment = readMoment(value, args satisfies ReadOptions);
    if (moment.kind === 'clock') noDate(value, moment);
    if (moment.kind === 'instant') return formatInstant(value, moment.epochSeconds, moment.fraction);
    const zone = needZone(value, args.tz, 'has no UTC offset', '{ timestamp: { tz: Europe/Oslo } }');
    const epochMs = resolveWallClock(moment.at, zone, args.ambiguous, show(value));
    return formatInstant(value, epochMs / 1000, moment.fraction);
  },
  sql: (args) => {
    if (args.unix) return unixTimestampStep(args.unix);
    if (args.format) return { reason: 'timestamp: a format (luxon tokens, locales) has no SQL form' };
    return isoTimestampStep(args.tz);
  },
});

export const date = defineTransform({
  name: 'date',
  output: 'date',
  summary: 'a calendar date "YYYY-MM-DD"; an instant is converted into tz first, a plain date or local time is taken as written',
  usage: ['date', '{ date: { tz: Europe/Oslo } }', "{ date: { format: 'd MMMM yyyy' } }", "{ date: { format: 'd. MMMM yyyy', locale: nb-NO } }"],
  args: options(readShape, '{ tz: Europe/Oslo }').refine((a) => !(a.format && a.unix), formatOrUnix),
  apply(value, args) {
    const moment = readMoment(value, args);
    if (moment.kind === 'clock') noDate(value, moment);
    if (moment.kind === 'local') return formatDate(moment.at);
    const zone = needZone(value, args.tz, 'is an instant, and its date depends on the zone', '{ date: { tz: Europe/Oslo } }');
    return formatDate(wallClockIn(zone, moment.epochSeconds * 1000));
  },
});

export const time = defineTransform({
  name: 'time',
  output: 'time',
  summary: 'a time of day "HH:MM:SS"; an instant is converted into tz first, "9:30" or a local date-time is taken as written',
  usage: ['time', '{ time: { tz: Europe/Oslo } }', "{ time: { format: 'h:mm a' } }"],
  args: options(readShape, '{ tz: Europe/Oslo }').refine((a) => !(a.format && a.unix), formatOrUnix),
  apply(value, args) {
    const moment = readMoment(value, args);
    switch (moment.kind) {
      case 'clock':
        return withFraction(formatClock(moment), moment.fraction);
      case 'local':
        if (!moment.hasTime) throw new TransformError(`${show(value)} is a date with no time of day`);
        return withFraction(formatClock(moment.at), moment.fraction);
      case 'instant': {
        const zone = needZone(value, args.tz, 'is an instant, and its time of day depends on the zone', '{ time: { tz: Europe/Oslo } }');
        return withFraction(formatClock(wallClockIn(zone, moment.epochSeconds * 1000)), moment.fraction);
      }
    }
  },
});

export const TIME_TRANSFORMS = [timestamp, date, time];
