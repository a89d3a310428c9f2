import type { CatalogColumn } from '../db/catalog-types.js';
import { FIRST_SECOND, LAST_SECOND, utcDateTime } from '../time/utc-clock.js';
import type { Value } from '../mapping/types.js';
import { inexactFit } from './exact-fit.js';
import { withoutTrailingZeros } from './trailing-zeros.js';

/**
 * Values are carried as PostgreSQL text forms. `toColumnText` turns what a rule
 * produced into the text salvage will write (validating it for the column type),
 * and `comparisonKey` turns any text form — ours or the backup's — into a key
 * that is equal exactly when PostgreSQL would consider the values equal, so that
 * '90' and '90.00', or '2026-03-02T14:02:00Z' and '2026-03-02 14:02:00+00', are
 * not reported as changes.
 */
export type Normalized = { ok: true; text: string } | { ok: false; error: string };

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int2: [-32768n, 32767n],
  int4: [-2147483648n, 2147483647n],
  int8: [-9223372036854775808n, 9223372036854775807n],
};

export function toColumnText(column: CatalogColumn, value: Value): Normalized {
  if (value === null) return { ok: true, text: '' };
  const text = typeof value === 'string' ? value : String(value);
  if (text.includes('\u0000')) {
    return { ok: false, error: 'contains a NUL byte (U+0000), which PostgreSQL text cannot store; clean it with a replace transform' };
  }
  const loss = inexactFit(column, text);
  if (loss) return { ok: false, error: loss };
  const t = column.typeName;
  if (t in INT_RANGES) {
    const m = /^\s*([+-]?\d+)\s*$/.exec(text);
    if (!m) return { ok: false, error: `${JSON.stringify(text)} is not an integer (column type ${column.type})` };
    const n = BigInt(m[1] as string);
    const [lo, hi] = INT_RANGES[t] as [bigint, bigint];
    if (n < lo || n > hi) return { ok: false, error: `${text} is out of range for ${column.type}` };
    return { ok: true, text: n.toString() };
  }
  if (t === 'numeric') {
    const s = text.trim();
    if (!NUMBER.test(s) && s !== 'NaN') {
      return { ok: false, error: `${JSON.stringify(text)} is not a number (column type ${column.type})` };
    }
    const precision = typeMatch(NUMERIC_TYPE, column.type);
    if (precision && s !== 'NaN') {
      const scale = Number(precision[2]);
      const allowed = Number(precision[1]) - scale;
      if (PLAIN_DECIMAL.test(s)) {
        // The usual value (52.29 or 5.00 in numeric(12,2)): plain, within the scale, fits. Stored as it is.
        const point = s.indexOf('.');
        const whole = (point < 0 ? s : s.slice(0, point)).replace(/^-/, '');
        if ((point < 0 || s.length - point - 1 <= scale) && (whole === '0' || whole.length <= allowed)) return { ok: true, text: s };
      }
      // Show and compare the value PostgreSQL will store: rounded to the column's scale.
      const rounded = roundToScale(s, scale);
      const whole = canonicalDecimal(rounded).replace(/^-/, '').split('.')[0] ?? '0';
      if (whole !== '0' && whole.length > allowed) {
        return { ok: false, error: `${s} does not fit ${column.type} (at most ${allowed} digits before the point)` };
      }
      return { ok: true, text: rounded === canonicalDecimal(s) ? s.replace(/^\+/, '') : rounded };
    }
    return { ok: true, text: s.replace(/^\+/, '') };
  }
  if (t === 'float4' || t === 'float8') {
    if (Number.isNaN(Number(text)) && !/^(NaN|-?Infinity)$/.test(text)) return { ok: false, error: `${JSON.stringify(text)} is not a number` };
    return { ok: true, text: text.trim() };
  }
  if (t === 'bool') {
    const b = parseBool(text);
    return b === undefined ? { ok: false, error: `${JSON.stringify(text)} is not a boolean` } : { ok: true, text: b ? 'true' : 'false' };
  }
  if (t === 'timestamptz') {
    // The usual UTC forms are rewritten from their own digits, without an instant in between.
    if (parseUtcForm(text)) return { ok: true, text: utcFormOf(text) };
    const ts = parseTimestamp(text);
    if (!ts) return { ok: false, error: `${JSON.stringify(text)} is not a timestamp (use the timestamp transform)` };
    if (!ts.hasOffset) {
      return { ok: false, error: `${JSON.stringify(text)} has no time zone offset; use { timestamp: { tz: ... } } to say which zone it is in` };
    }
    return { ok: true, text: formatUtc(ts.epochMicros) };
  }
  if (t === 'timestamp') {
    const ts = parseTimestamp(text);
    if (!ts) return { ok: false, error: `${JSON.stringify(text)} is not a timestamp` };
    // A column without time zone is taken to hold UTC wall-clock time.
    return { ok: true, text: formatUtc(ts.epochMicros).replace(/\+00$/, '') };
  }
  if (t === 'date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) return { ok: false, error: `${JSON.stringify(text)} is not a date YYYY-MM-DD (use the date transform)` };
    return { ok: true, text: text.trim() };
  }
  if (t === 'json' || t === 'jsonb') {
    try {
      JSON.parse(text);
    } catch {
      return { ok: false, error: `${JSON.stringify(text.slice(0, 60))} is not JSON` };
    }
    return { ok: true, text };
  }
  if (t === 'uuid') {
    if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(text.trim())) return { ok: false, error: `${JSON.stringify(text)} is not a UUID` };
    return { ok: true, text: text.trim().toLowerCase() };
  }
  const length = typeMatch(LENGTH_TYPE, column.type);
  if (length && longerThan(text, Number(length[1])) && !(t === 'bpchar' && text.trimEnd().length <= Number(length[1]))) {
    return { ok: false, error: `${JSON.stringify(text)} is longer than ${column.type} allows` };
  }
  return { ok: true, text };
}

/**
 * Whether text holds more than `limit` characters (code points, as PostgreSQL counts
 * them), counted only as far as needed: a value of 100 MB is not spread into an array.
 */
function longerThan(text: string, limit: number): boolean {
  if (text.length <= limit) return false; // code points never outnumber UTF-16 units
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    if (++count > limit) return true;
  }
  return false;
}

/** A number as PostgreSQL's numeric input takes it; each part matches in one way only (linear time on any value). */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMERIC_TYPE = /^numeric\((\d+),(\d+)\)$/;
const LENGTH_TYPE = /^character(?: varying)?\((\d+)\)$/;
const typeMatches = new Map<RegExp, Map<string, RegExpExecArray | null>>();

/** A column type's modifiers, parsed once per type: toColumnText runs for every value of every record. */
function typeMatch(pattern: RegExp, type: string): RegExpExecArray | null {
  let byType = typeMatches.get(pattern);
  if (!byType) typeMatches.set(pattern, (byType = new Map()));
  let match = byType.get(type);
  if (match === undefined) byType.set(type, (match = pattern.exec(type)));
  return match;
}

/** An integer column (int2, int4, int8). */
export function isIntegerColumn(c: CatalogColumn | undefined): boolean {
  return c !== undefined && (c.typeName === 'int2' || c.typeName === 'int4' || c.typeName === 'int8');
}

const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;

/** A key equal for two text forms exactly when PostgreSQL sees equal values. */
export function comparisonKey(column: CatalogColumn, text: string | null): string {
  if (text === null) return '\u0000null';
  const t = column.typeName;
  if (t in INT_RANGES) {
    // PostgreSQL's own output is canonical already: no BigInt for the million keys of a backup scan.
    if (CANONICAL_INTEGER.test(text)) return text;
    return /^\s*[+-]?\d+\s*$/.test(text) ? BigInt(text.trim()).toString() : text;
  }
  if (t === 'numeric') return canonicalDecimal(text);
  if (t === 'float4' || t === 'float8') return String(Number(text));
  if (t === 'bool') return String(parseBool(text) ?? text);
  if (t === 'timestamptz' || t === 'timestamp') {
    const ts = parseTimestamp(text);
    return ts ? String(ts.epochMicros) : text;
  }
  if (t === 'bpchar') return text.trimEnd();
  if (t === 'jsonb') {
    try {
      return canonicalJson(JSON.parse(text));
    } catch {
      return text;
    }
  }
  if (t === 'uuid') return text.replaceAll('-', '').toLowerCase();
  return text;
}

function parseBool(text: string): boolean | undefined {
  const s = text.trim().toLowerCase();
  if (['t', 'true', 'yes', 'y', '1', 'on'].includes(s)) return true;
  if (['f', 'false', 'no', 'n', '0', 'off'].includes(s)) return false;
  return undefined;
}

/** Rounds a decimal string half away from zero to `scale` digits, as PostgreSQL does on insert. */
function roundToScale(text: string, scale: number): string {
  const s = canonicalDecimal(text);
  const negative = s.startsWith('-');
  const [whole = '0', frac = ''] = s.replace(/^-/, '').split('.');
  if (frac.length <= scale) return s;
  const digits = BigInt(whole + frac.slice(0, scale)) + (Number(frac[scale]) >= 5 ? 1n : 0n);
  const text2 = digits.toString().padStart(scale + 1, '0');
  const body = scale ? `${text2.slice(0, -scale)}.${text2.slice(-scale)}` : text2;
  return negative ? `-${body}` : body;
}

/** Plain: no sign but a minus, no leading zeros, digits after a point (trailing zeros allowed). */
const PLAIN_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** Already canonical: no sign but a minus, no leading zeros, no trailing fractional zeros. */
const CANONICAL_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

export function canonicalDecimal(text: string): string {
  // Most values are canonical already (52.29): one test instead of five rewrites.
  if (CANONICAL_DECIMAL.test(text) && text !== '-0') return text;
  let s = text.trim().replace(/^\+/, '');
  if (/[eE]/.test(s)) s = expandExponent(s);
  const negative = s.startsWith('-');
  if (negative) s = s.slice(1);
  let [whole = '', frac = ''] = s.split('.');
  whole = whole.replace(/^0+(?=\d)/, '') || '0';
  frac = withoutTrailingZeros(frac);
  const body = frac ? `${whole}.${frac}` : whole;
  return negative && body !== '0' ? `-${body}` : body;
}

function expandExponent(s: string): string {
  const [mantissa = '0', expText = '0'] = s.toLowerCase().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const m = mantissa.replace(/^[+-]/, '');
  const [w = '', f = ''] = m.split('.');
  const digits = w + f;
  const point = w.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface ParsedTimestamp {
  /** A double while that is exact (until the year 2255), a BigInt beyond. */
  epochMicros: number | bigint;
  hasOffset: boolean;
}

// The whitespace before the zone belongs to the zone: two `\s*` side by side were quadratic in a run of spaces.
const TS = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?\s*$/i;

/** |ms| below this keeps ms * 1000 plus a day of offset and a second of fraction under 2^53. */
const EXACT_MS = 9e12;

/** ISO-8601 and PostgreSQL's text output (`2026-03-02 14:02:00.5+00`), to microseconds. */
export function parseTimestamp(text: string): ParsedTimestamp | undefined {
  return parseUtcForm(text) ?? parseAnyForm(text);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The two UTC forms nearly every timestamp comes in, read without a regular expression
 * or a Date: PostgreSQL's own output, `2026-03-02 14:02:00[.5]+00` (every backup value
 * the scan compares, every text salvage writes), and ISO-8601's `2026-03-02T14:02:00[.5]Z`
 * (what the timestamp transform makes). Anything else, or anything odd (a year before
 * 100, 24:00, a leap second, nanoseconds), is left to parseAnyForm.
 */
export function parseUtcForm(text: string): ParsedTimestamp | undefined {
  const n = text.length;
  const zulu = text.charCodeAt(n - 1) === 90; /* Z */
  const suffix = zulu ? 1 : 3;
  if (!zulu && (text.charCodeAt(n - 3) !== 43 /* + */ || text.charCodeAt(n - 2) !== 48 || text.charCodeAt(n - 1) !== 48)) return undefined;
  const end = n - suffix; // where the seconds or their fraction end
  const separator = text.charCodeAt(10);
  if (end < 19 || end > 26 || (separator !== 32 && separator !== 84) /* space or T */) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const digits = (from: number, to: number): number => {
    let v = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return -1;
      v = v * 10 + c;
    }
    return v;
  };
  const year = digits(0, 4);
  const month = digits(5, 7);
  const day = digits(8, 10);
  const hour = digits(11, 13);
  const minute = digits(14, 16);
  const second = digits(17, 19);
  let fraction = 0;
  if (end > 19) {
    // `.` and one to six digits: microseconds.
    if (text.charCodeAt(19) !== 46 || end === 20) return undefined;
    fraction = digits(20, end);
    if (fraction < 0) return undefined;
    for (let i = end; i < 26; i++) fraction *= 10;
  }
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (DAYS_IN_MONTH[month - 1] as number) + (leap ? 1 : 0)) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const epochMicros = Math.abs(ms) < EXACT_MS ? ms * 1000 + fraction : BigInt(ms) * 1000n + BigInt(fraction);
  return { epochMicros, hasOffset: true };
}

/** ISO-8601 and PostgreSQL's text output in any zone: the general reader. */
export function parseAnyForm(text: string): ParsedTimestamp | undefined {
  const m = TS.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const [year, month, day, hour, minute, second] = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)];
  // As PostgreSQL: no 31 February, no minute 75 (Date.UTC would roll them over), 24:00:00 is midnight.
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute || second || Number(frac)))) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month, day); // not Date.UTC: it reads years 0-99 as 1900-1999
  if (year < 1 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined;
  const ms = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  const fraction = frac ? Number((frac + '000000').slice(0, 6)) : 0;
  // Doubles where they are exact: BigInt arithmetic was a tenth of mapping time.
  const epochMicros =
    Math.abs(ms) < EXACT_MS ? ms * 1000 + fraction - offsetMinutes * 60_000_000 : BigInt(ms) * 1000n + BigInt(fraction) - BigInt(offsetMinutes) * 60_000_000n;
  return { epochMicros, hasOffset: zone !== undefined };
}

/**
 * PostgreSQL's UTC form of a text parseUtcForm accepted, from the text's own digits:
 * the same as formatUtc of its instant (a valid date keeps its fields; the fraction
 * loses its trailing zeros), with neither a Date nor arithmetic.
 */
export function utcFormOf(text: string): string {
  const end = text.length - (text.charCodeAt(text.length - 1) === 90 /* Z */ ? 1 : 3);
  let cut = end;
  while (cut > 20 && text.charCodeAt(cut - 1) === 48 /* 0 */) cut--;
  const fraction = cut > 20 ? text.slice(19, cut) : '';
  return `${text.slice(0, 10)} ${text.slice(11, 19)}${fraction}+00`;
}

/** `2026-03-02 14:02:00+00`, with a fraction only when there is one: PostgreSQL's own UTC form. */
export function formatUtc(epochMicros: number | bigint): string {
  let seconds: number;
  let micros: number;
  if (typeof epochMicros === 'number') {
    micros = ((epochMicros % 1_000_000) + 1_000_000) % 1_000_000;
    seconds = (epochMicros - micros) / 1_000_000;
  } else {
    const m = ((epochMicros % 1_000_000n) + 1_000_000n) % 1_000_000n;
    micros = Number(m);
    seconds = Number((epochMicros - m) / 1_000_000n);
  }
  const iso = seconds >= FIRST_SECOND && seconds <= LAST_SECOND ? utcDateTime(seconds) : new Date(seconds * 1000).toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const fraction = micros ? `.${String(micros).padStart(6, '0').replace(/0+$/, '')}` : '';
  return `${base}${fraction}+00`;
}

/** Orders two text forms of the same column type (for min/max merge policies). */
export function compareTexts(column: CatalogColumn, a: string, b: string): number {
  const t = column.typeName;
  if (t in INT_RANGES || t === 'timestamptz' || t === 'timestamp') {
    const ka = BigInt(comparisonKey(column, a));
    const kb = BigInt(comparisonKey(column, b));
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }
  if (t === 'numeric' || t === 'float4' || t === 'float8') return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}
