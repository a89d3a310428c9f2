import { IANAZone } from 'luxon';
import { z } from 'zod';
import { TransformError, type Value, defineTransform, options, show } from './core.js';
import { type Moment, readMoment } from './moment.js';
import { FIRST_SECOND, LAST_SECOND, utcDateTime } from '../../time/utc-clock.js';
import { type LocalDateTime, wallClockMs, wallClockOf } from '../../time/wall-clock.js';
import { formatClock, formatDate, resolveWallClock, timeZone, wallClockIn } from './zones.js';

/**
 * Moving and rounding times: `{ shift: '-2h' }`, `{ truncate: minute }`.
 *
 * Hours, minutes and seconds are elapsed time, exact on instants. Days and weeks are
 * calendar days: on an instant they are counted on the wall clock of `tz`, so 09:00 in
 * Oslo stays 09:00 across a DST change, as PostgreSQL's `timestamptz + interval '1 day'`
 * does (tested against it). Whatever depends on a zone (days on an instant, truncating an instant to the hour
 * or day) needs `tz`, for the same reason `timestamp` does: a silent UTC guess moves
 * every value by the zone's offset. Sub-second digits are carried as text, never rounded.
 */

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60_000;

/** A signed duration split into calendar days and exact seconds. */
export interface Shift {
  days: number;
  seconds: number;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };
const UNIT_DAYS: Readonly<Record<string, number>> = { d: 1, w: 7 };

/**
 * Reads `-2h`, `+1d`, `90m`, `1d12h`, `-1w`: an optional sign, then one or more
 * whole-number groups of s, m, h, d or w. Scanned by hand, one pass, no regex.
 */
export function parseShift(text: string): Shift | { error: string } {
  const src = text.replace(/\s+/g, '');
  let i = 0;
  let sign = 1;
  if (src[0] === '+' || src[0] === '-') {
    sign = src[0] === '-' ? -1 : 1;
    i = 1;
  }
  const shift: Shift = { days: 0, seconds: 0 };
  let groups = 0;
  while (i < src.length) {
    const start = i;
    while (i < src.length && src.charCodeAt(i) >= 48 && src.charCodeAt(i) <= 57) i++;
    const digitsEnd = i;
    while (i < src.length && /[a-z]/i.test(src[i] as string)) i++;
    const unit = src.slice(digitsEnd, i).toLowerCase();
    if (digitsEnd === start || unit === '') return { error: `"${text}" is not a duration: write a number and a unit, like -2h, +1d or 1d12h (units s, m, h, d, w)` };
    const amount = Number(src.slice(start, digitsEnd));
    if (UNIT_SECONDS[unit] !== undefined) shift.seconds += amount * UNIT_SECONDS[unit];
    else if (UNIT_DAYS[unit] !== undefined) shift.days += amount * UNIT_DAYS[unit];
    else return { error: `"${text}": unknown unit "${unit}" (units are s, m, h, d, w; months and years vary in length and are not supported)` };
    groups++;
  }
  if (groups === 0) return { error: `"${text}" is not a duration: write a number and a unit, like -2h, +1d or 1d12h` };
  // Ten thousand years is more than any real shift; past it a typo is likelier than intent.
  if (shift.days > 3_660_000 || shift.seconds > 316_224_000_000) return { error: `"${text}" is longer than 10,000 years` };
  // `+ 0` turns -0 into 0, so a shift of -0h reads like no shift at all.
  return { days: sign * shift.days + 0, seconds: sign * shift.seconds + 0 };
}

const duration = z.string({ error: "expected a duration like '-2h' or '+1d'" }).transform((text, ctx) => {
  const parsed = parseShift(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});

function formatInstant(value: Value, epochSeconds: number, fraction: string): string {
  if (epochSeconds < FIRST_SECOND || epochSeconds > LAST_SECOND) throw new TransformError(`${show(value)} moves outside years 1-9999`);
  return `${utcDateTime(epochSeconds)}${fraction ? `.${fraction}` : ''}Z`;
}

function formatLocal(value: Value, wallMs: number, fraction: string, hasTime: boolean): string {
  if (wallMs / MS_PER_SECOND < FIRST_SECOND || wallMs / MS_PER_SECOND > LAST_SECOND) throw new TransformError(`${show(value)} moves outside years 1-9999`);
  const at = wallClockOf(wallMs);
  if (!hasTime) return formatDate(at);
  return `${formatDate(at)} ${formatClock(at)}${fraction ? `.${fraction}` : ''}`;
}

/** A local value with `tz` becomes the instant it denotes there; without `tz` it stays local. */
function inZone(value: Value, moment: Moment, tz: string | undefined): Moment {
  if (moment.kind === 'clock') throw new TransformError(`${show(value)} is a time of day with no date`);
  if (moment.kind !== 'local' || tz === undefined || !moment.hasTime) return moment;
  const epochMs = resolveWallClock(moment.at, tz, 'earlier', show(value));
  return { kind: 'instant', epochSeconds: epochMs / MS_PER_SECOND, fraction: moment.fraction };
}

export const shift = defineTransform({
  name: 'shift',
  output: 'same',
  summary: 'moves a time by a duration: h/m/s exactly, d/w on the wall clock of tz (DST-correct); instants come out as UTC',
  usage: ["{ shift: '-2h' }", "{ shift: '+1d12h' }", "{ shift: { by: '+1d', tz: Europe/Oslo } }"],
  args: z.preprocess(
    (raw) => (typeof raw === 'string' ? { by: raw } : raw),
    options({ by: duration, tz: timeZone.optional() }, "{ by: '-2h', tz: Europe/Oslo }"),
  ),
  apply(value, args) {
    const moment = inZone(value, readMoment(value, { locale: 'en-US' }), args.tz);
    const { days, seconds } = args.by;
    if (moment.kind === 'instant') {
      let epoch = moment.epochSeconds;
      if (days !== 0) {
        if (args.tz === undefined) {
          throw new TransformError(`${show(value)} is an instant, and where a day ends depends on the zone; name it with tz, e.g. { shift: { by: '${days > 0 ? '+' : ''}${days}d', tz: Europe/Oslo } } (or tz: UTC)`);
        }
        epoch = shiftDaysInZone(value, epoch, days, args.tz);
      }
      return formatInstant(value, epoch + seconds, moment.fraction);
    }
    if (moment.kind !== 'local') throw new TransformError(`${show(value)} has no date`);
    if (!moment.hasTime && seconds !== 0) throw new TransformError(`${show(value)} is a date; only whole days (d, w) can be added to it`);
    const wall = wallClockMs(moment.at) + days * 86_400_000 + seconds * MS_PER_SECOND;
    return formatLocal(value, wall, moment.fraction, moment.hasTime);
  },
});

/**
 * Same wall clock `days` later in `zone`. An overlap takes the later reading, as
 * PostgreSQL's `timestamptz + interval` does; a time in a gap is refused (PostgreSQL
 * would move it forward silently).
 */
function shiftDaysInZone(value: Value, epochSeconds: number, days: number, zone: string): number {
  const whole = Math.floor(epochSeconds);
  const moved = wallClockOf(wallClockMs(wallClockIn(zone, whole * MS_PER_SECOND)) + days * 86_400_000);
  const resolved = resolveWallClock(moved, zone, 'later', `${show(value)} shifted by ${days}d`);
  return resolved / MS_PER_SECOND + (epochSeconds - whole);
}

const UNITS = ['second', 'minute', 'hour', 'day'] as const;
type Unit = (typeof UNITS)[number];
const unitName = z.enum(UNITS, { error: 'truncate to second, minute, hour or day' });

export const truncate = defineTransform({
  name: 'truncate',
  output: 'same',
  summary: 'cuts a time down to the second, minute, hour or day; hour and day of an instant are those of tz',
  usage: ['{ truncate: minute }', '{ truncate: { to: day, tz: Europe/Oslo } }'],
  args: z.preprocess(
    (raw) => (typeof raw === 'string' ? { to: raw } : raw),
    options({ to: unitName, tz: timeZone.optional() }, '{ to: day, tz: Europe/Oslo }'),
  ),
  apply(value, args) {
    const moment = inZone(value, readMoment(value, { locale: 'en-US' }), args.tz);
    if (moment.kind === 'local') {
      if (!moment.hasTime) return formatDate(moment.at);
      return formatLocal(value, truncateWall(wallClockMs(moment.at), args.to), '', true);
    }
    if (moment.kind !== 'instant') throw new TransformError(`${show(value)} has no date`);
    const whole = Math.floor(moment.epochSeconds);
    if (args.to === 'second' || args.to === 'minute') {
      // Every offset in use today is whole minutes, so these two do not depend on the zone.
      return formatInstant(value, args.to === 'second' ? whole : Math.floor(whole / 60) * 60, '');
    }
    if (args.tz === undefined) {
      throw new TransformError(`${show(value)} is an instant, and where its ${args.to} begins depends on the zone (some are 30 minutes off); name it with tz, e.g. { truncate: { to: ${args.to}, tz: Europe/Oslo } } (or tz: UTC)`);
    }
    return formatInstant(value, startInZone(whole * MS_PER_SECOND, args.to, args.tz) / MS_PER_SECOND, '');
  },
});

function truncateWall(wallMs: number, unit: Unit): number {
  const step = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }[unit];
  return Math.floor(wallMs / step) * step;
}

/**
 * The instant the hour or day holding `epochMs` began in `zone`. The offset in force at
 * the instant is tried first (right unless the offset changed since), then the wall clock
 * is resolved; if it fell in a gap (a zone that skips midnight) the period began when the
 * clocks jumped, which is the wall clock read with the offset from before the jump.
 * (PostgreSQL's `date_trunc(unit, t, zone)` reads an ambiguous start as the later time,
 * which can come after `t` itself; the start of the period holding `t` is never after it.)
 */
function startInZone(epochMs: number, unit: 'hour' | 'day', zone: string): number {
  const tz = IANAZone.create(zone);
  const offset = tz.offset(epochMs);
  const start = truncateWall(epochMs + offset * MS_PER_MINUTE, unit);
  const sameOffset = start - offset * MS_PER_MINUTE;
  if (tz.offset(sameOffset) === offset) return sameOffset;
  const at: LocalDateTime = wallClockOf(start);
  try {
    return resolveWallClock(at, zone, 'earlier', '');
  } catch (error) {
    if (!(error instanceof TransformError)) throw error;
    return start - tz.offset(start - 86_400_000) * MS_PER_MINUTE;
  }
}

export const TIME_ARITHMETIC_TRANSFORMS = [shift, truncate];
