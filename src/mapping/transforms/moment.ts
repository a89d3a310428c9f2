import { DateTime } from 'luxon';
import { exactInteger, numberToDecimal, parseDecimalText, PLAIN_SYNTAX } from './decimal.js';
import { TransformError, type Value, show } from './core.js';
import { type LocalDateTime, wallClockMs } from '../../time/wall-clock.js';

/**
 * What a date/time value says, before any zone is applied. Sub-second digits are
 * kept as written text beside whole seconds, because luxon and Date stop at
 * milliseconds and a PostgreSQL export carries microseconds.
 */
export type Moment =
  /** A point in time: it had an offset (or is a unix time). */
  | { kind: 'instant'; epochSeconds: number; fraction: string }
  /** A wall-clock date (and time) with no offset; its meaning depends on a zone. */
  | { kind: 'local'; at: LocalDateTime; fraction: string; hasTime: boolean }
  /** A time of day with no date. */
  | { kind: 'clock'; hour: number; minute: number; second: number; fraction: string };

export interface ReadOptions {
  unix?: 's' | 'ms' | undefined;
  format?: string | undefined;
  locale: string;
}

/** Fraction digits without trailing zeros, padded to ms, µs or ns: "5" → "500", "120000" → "120". */
export function canonicalFraction(digits: string): string {
  const significant = digits.replace(/0+$/, '');
  return significant.padEnd(Math.ceil(significant.length / 3) * 3, '0');
}

/**
 * Reads a value as a moment. Strings: ISO 8601 / SQL style (offset optional), RFC 2822,
 * or the rule's luxon `format`. Numbers only with `unix`, because 1700000000 could be
 * seconds, milliseconds or an amount, and guessing wrong moves a booking by decades.
 */
export function readMoment(value: Value, options: ReadOptions): Moment {
  if (options.unix) return readUnix(value, options.unix);
  if (typeof value !== 'string') {
    const hint = typeof value === 'number' ? ' (for a unix time add unix: s or unix: ms)' : '';
    throw new TransformError(`expected a date/time text, got ${show(value)}${hint}`);
  }
  const text = value.trim();
  if (options.format) return readFormatted(value, text, options.format, options.locale);
  const moment = readIsoLike(value, text) ?? readRfc2822(value, text) ?? readClock(value, text);
  if (moment) return moment;
  throw new TransformError(
    `${show(value)} is not a date/time in a known form (ISO 8601, "YYYY-MM-DD HH:MM:SS", RFC 2822); ` +
      "describe other forms with format, e.g. format: 'dd.MM.yyyy HH:mm'",
  );
}

const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?)?$/i;

function readIsoLike(value: Value, text: string): Moment | undefined {
  const m = ISO_LIKE.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', offset] = m;
  const at: LocalDateTime = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour ?? 0),
    minute: Number(minute ?? 0),
    second: Number(second ?? 0),
  };
  const wall = wallClockMs(at);
  if (Number.isNaN(wall)) throw new TransformError(`${show(value)} is not a real date and time`);
  if (offset === undefined) return { kind: 'local', at, fraction: canonicalFraction(fraction), hasTime: hour !== undefined };
  const offsetMinutes = parseOffset(offset);
  if (offsetMinutes === undefined) throw new TransformError(`${show(value)} has an impossible UTC offset "${offset}"`);
  return { kind: 'instant', epochSeconds: (wall - offsetMinutes * 60_000) / 1000, fraction: canonicalFraction(fraction) };
}

function parseOffset(text: string): number | undefined {
  if (/^(Z|UTC|GMT)$/i.test(text)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  const hours = Number(m?.[2]);
  const minutes = Number(m?.[3] ?? 0);
  if (!m || hours > 18 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** Looks like a mail date: optional weekday, day, month name, year, time. */
const RFC_2822_SHAPE = /^(?:[a-z]{3},?\s*)?\d{1,2}\s+[a-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}/i;

function readRfc2822(value: Value, text: string): Moment | undefined {
  if (!RFC_2822_SHAPE.test(text)) return undefined;
  const dt = DateTime.fromRFC2822(text, { setZone: true });
  if (!dt.isValid) throw new TransformError(`${show(value)} is not a valid RFC 2822 date: ${dt.invalidExplanation ?? dt.invalidReason}`);
  return { kind: 'instant', epochSeconds: dt.toSeconds(), fraction: '' };
}

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

function readClock(value: Value, text: string): Moment | undefined {
  const m = CLOCK.exec(text);
  if (!m) return undefined;
  const [, hour, minute, second, fraction = ''] = m;
  const clock = { hour: Number(hour), minute: Number(minute), second: Number(second ?? 0) };
  if (clock.hour > 23 || clock.minute > 59 || clock.second > 59) throw new TransformError(`${show(value)} is not a real time of day`);
  return { kind: 'clock', ...clock, fraction: canonicalFraction(fraction) };
}

/** Unix times span year 1 to 9999 at most; anything else is a unit mix-up. */
const MAX_EPOCH_SECONDS = 253_402_300_799n;
const MIN_EPOCH_SECONDS = -62_135_596_800n;

function readUnix(value: Value, unit: 's' | 'ms'): Moment {
  // A whole JSON number (Stripe's `created`) needs no BigInt: a third of a timestamp's cost.
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    const whole = wholeUnix(value, unit);
    if (whole) return whole;
  }
  const d =
    typeof value === 'number' ? numberToDecimal(value) : typeof value === 'string' ? parseDecimalText(value, PLAIN_SYNTAX) : undefined;
  if (d === undefined) throw new TransformError(`${show(value)} is not a unix time in ${unit === 's' ? 'seconds' : 'milliseconds'}`);
  const nanos = exactInteger(d, unit === 's' ? 9 : 6);
  if (nanos === undefined) throw new TransformError(`${show(value)} has more digits than nanoseconds`);
  // Floor division, so that -1.5 s is 2 s before the epoch plus half a second.
  let seconds = nanos / 1_000_000_000n;
  if (nanos < 0n && nanos % 1_000_000_000n !== 0n) seconds -= 1n;
  if (seconds > MAX_EPOCH_SECONDS || seconds < MIN_EPOCH_SECONDS) {
    const other = unit === 's' ? 'ms' : 's';
    throw new TransformError(`${show(value)} is outside years 1-9999 as unix ${unit === 's' ? 'seconds' : 'milliseconds'} (is it unix: ${other}?)`);
  }
  const fraction = (nanos - seconds * 1_000_000_000n).toString().padStart(9, '0');
  return { kind: 'instant', epochSeconds: Number(seconds), fraction: canonicalFraction(fraction) };
}

/**
 * A whole unix time as a moment with plain number arithmetic, which is exact for safe
 * integers; undefined outside years 1-9999, for readUnix's own message.
 */
function wholeUnix(value: number, unit: 's' | 'ms'): Moment | undefined {
  // Floor division without a rounded quotient: the remainder is exact, and so is the rest.
  const milliseconds = unit === 'ms' ? ((value % 1000) + 1000) % 1000 : 0;
  const seconds = unit === 'ms' ? (value - milliseconds) / 1000 : value;
  if (seconds > Number(MAX_EPOCH_SECONDS) || seconds < Number(MIN_EPOCH_SECONDS)) return undefined;
  return { kind: 'instant', epochSeconds: seconds, fraction: milliseconds ? canonicalFraction(String(milliseconds).padStart(3, '0')) : '' };
}

/**
 * A luxon `format` (https://moment.github.io/luxon/#/parsing?id=table-of-tokens).
 * `fromFormatExplain` tells which fields the text actually carried, so a format with
 * no year is refused rather than silently read as "this year".
 */
function readFormatted(value: Value, text: string, format: string, locale: string): Moment {
  const explained = DateTime.fromFormatExplain(text, format, { locale });
  const found = explained.result;
  if (!explained.rawMatches || !found) throw new TransformError(`${show(value)} does not match format "${format}"`);
  const dt = DateTime.fromFormat(text, format, { zone: 'utc', setZone: true, locale });
  if (!dt.isValid) throw new TransformError(`${show(value)} is not a valid date for format "${format}": ${dt.invalidExplanation ?? dt.invalidReason}`);
  const fraction = canonicalFraction(String(dt.millisecond).padStart(3, '0'));
  const hasDate = found['year'] !== undefined || found['weekYear'] !== undefined;
  const hasDay = (found['month'] !== undefined && found['day'] !== undefined) || found['ordinal'] !== undefined || found['weekNumber'] !== undefined;
  const hasTime = found['hour'] !== undefined;
  if (!hasDate) {
    if (found['month'] !== undefined || found['day'] !== undefined) {
      throw new TransformError(`format "${format}" has no year; salvage will not assume the current one`);
    }
    if (explained.zone) throw new TransformError(`format "${format}" has a UTC offset but no date`);
    return { kind: 'clock', hour: dt.hour, minute: dt.minute, second: dt.second, fraction };
  }
  if (!hasDay) throw new TransformError(`format "${format}" has no day of the month`);
  if (explained.zone) return { kind: 'instant', epochSeconds: Math.floor(dt.toSeconds()), fraction };
  const at: LocalDateTime = { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second };
  return { kind: 'local', at, fraction, hasTime };
}
