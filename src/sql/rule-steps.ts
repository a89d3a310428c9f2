import { literal } from './literal.js';
import {
  FIRST_SECOND_SQL,
  LAST_SECOND_SQL,
  angleAddress,
  asTextJson,
  asciiLower,
  asciiUpper,
  canonicalFractionSql,
  fromUnixSeconds,
  isAscii,
  isEmailShape,
  isPlainDecimalText,
  isText,
  isoMatch,
  jsCollapseWhitespace,
  jsTrim,
  jsonType,
  jsonbConstant,
  printsAsJavaScript,
  roundNumeric,
  scalarText,
  shiftPoint,
  stripMailto,
  timesPowerOfTen,
  utcIsoText,
  type Bind,
  type SqlPiece,
  type SqlStep,
} from './rule-expressions.js';

/**
 * Transform steps as SQL (see rule-expressions.ts for the contract). Each mirrors one
 * transform's `apply` in src/mapping/transforms; where JavaScript's answer depends on
 * something SQL cannot reproduce exactly (Unicode case mapping, a float printed with
 * an exponent, a wall clock near a zone's transition), the step defers the record to
 * the worker instead of guessing.
 */

const t = scalarText;
const text = (v: string) => isText(v);

/** A text-to-text step; a non-text value fails in JavaScript (`expectText`), so it goes to the worker. */
function textStep(f: (textExpr: string) => string, extraWorker?: (textExpr: string) => string): SqlStep {
  return (v) => ({
    value: `CASE WHEN ${text(v)} THEN ${asTextJson(f(t(v)))} END`,
    worker: `NOT (${text(v)})${extraWorker ? ` OR (${text(v)} AND ${extraWorker(t(v))})` : ''}`,
  });
}

export const trimStep = textStep(jsTrim);
export const collapseWhitespaceStep = textStep(jsCollapseWhitespace);
export const lowerStep = textStep(asciiLower, (x) => `NOT ${isAscii(x)}`);
export const upperStep = textStep(asciiUpper, (x) => `NOT ${isAscii(x)}`);

export const addPrefixStep = (prefix: string): SqlStep => textStep((x) => `${literal(prefix)} || ${x}`);
export const addSuffixStep = (suffix: string): SqlStep => textStep((x) => `${x} || ${literal(suffix)}`);

export const nullifEmptyStep: SqlStep = (v) => ({ value: `NULLIF(${v}, '""'::jsonb)` });

export function nullifStep(placeholders: string[]): SqlStep {
  const list = placeholders.map((p) => jsonbConstant(p)).join(', ');
  return (v) => ({ value: `CASE WHEN ${v} IN (${list}) THEN NULL ELSE ${v} END` });
}

/** `default`: sees null. */
export const defaultStep = (constant: string | number | boolean): SqlStep => (v) => ({ value: `COALESCE(${v}, ${jsonbConstant(constant)})` });

/** `required`: sees null, and null is a failure. */
export const requiredStep: SqlStep = (v) => ({ value: v, worker: `${v} IS NULL` });

/** `string`: numbers to plain decimal text (never an exponent), booleans to true/false. */
export const stringStep: SqlStep = (v) => ({
  value: `CASE ${jsonType(v)} WHEN 'number' THEN ${asTextJson(`(${v})::numeric::text`)} WHEN 'boolean' THEN ${asTextJson(t(v))} ELSE ${v} END`,
  worker: `${jsonType(v)} NOT IN ('string', 'number', 'boolean')`,
});

export const emailStep: SqlStep = (v, bind) => {
  const trimmed = bind(jsTrim(t(v)));
  const address = bind(asciiLower(stripMailto(bind(jsTrim(`coalesce(${angleAddress(trimmed)}, ${trimmed})`)))));
  return {
    value: `CASE WHEN ${text(v)} THEN ${asTextJson(address)} END`,
    // Non-ASCII: JavaScript's toLowerCase maps more than A-Z.
    worker: `NOT (${text(v)}) OR (${text(v)} AND NOT (${isAscii(t(v))} AND ${isEmailShape(address)}))`,
  };
};

/**
 * A number read as the evaluator's `readDecimal` does with plain syntax: a JSON number
 * as its printed digits, a text of sign, digits and one point (surrounding whitespace
 * ignored). NULL when it is neither (the evaluator fails: worker).
 */
function numericOf(v: string, bind: Bind): string {
  const trimmed = bind(`CASE WHEN ${text(v)} THEN ${jsTrim(t(v))} END`);
  return bind(`CASE WHEN ${jsonType(v)} = 'number' THEN (${v})::numeric WHEN ${text(v)} AND ${isPlainDecimalText(trimmed)} THEN (${trimmed})::numeric END`);
}

/** A whole number: a JSON number must also be a safe integer (beyond 2^53 it lost digits when parsed). */
function integerOf(v: string, bind: Bind): string {
  const n = numericOf(v, bind);
  return bind(`CASE WHEN ${jsonType(v)} = 'number' AND abs((${v})::numeric) > 9007199254740991 THEN NULL WHEN ${n} = trunc(${n}) THEN trunc(${n}) END`);
}

function numericStep(of: (v: string, bind: Bind) => string, format: (n: string) => string): SqlStep {
  return (v, bind) => {
    const n = of(v, bind);
    return { value: `${asTextJson(`${format(n)}::text`)}`, worker: `${n} IS NULL` };
  };
}

export const intStep = numericStep(integerOf, (n) => n);
export const decimalStep = (scale: number | undefined): SqlStep => numericStep(numericOf, (n) => (scale === undefined ? n : roundNumeric(n, scale)));
export const centsToAmountStep = (digits: number): SqlStep => numericStep(integerOf, (n) => shiftPoint(n, digits));

export const amountToCentsStep = (digits: number): SqlStep => {
  const cents = (v: string, bind: Bind) => {
    const scaled = bind(timesPowerOfTen(numericOf(v, bind), digits));
    return bind(`CASE WHEN ${scaled} = trunc(${scaled}) THEN trunc(${scaled}) END`);
  };
  return numericStep(cents, (n) => n);
};

/** `map`: the key is the value's printed form; `otherwise: error` defers to the worker. */
export function mapStep(entries: Array<[string, string | number | boolean | null]>, otherwise: 'error' | 'null' | 'keep', ignoreCase: boolean): SqlStep {
  return (v) => {
    const key = ignoreCase ? asciiLower(t(v)) : t(v);
    const arms = entries.map(([k, mapped]) => `WHEN ${literal(k)} THEN ${mapped === null ? 'NULL::jsonb' : jsonbConstant(mapped)}`).join(' ');
    const known = entries.length ? `${key} IN (${entries.map(([k]) => literal(k)).join(', ')})` : 'false';
    const printable = `${printsAsJavaScript(v)}${ignoreCase ? ` AND ${isAscii(t(v))}` : ''}`;
    const fallback = otherwise === 'keep' ? v : 'NULL::jsonb';
    return {
      value: `CASE WHEN ${printable} THEN CASE ${key} ${arms} ELSE ${fallback} END END`,
      worker: `NOT (${printable})${otherwise === 'error' ? ` OR NOT (${known})` : ''}`,
    };
  };
}

const TRUE_WORDS = ['true', 'yes', 'y', 't', '1'];
const FALSE_WORDS = ['false', 'no', 'n', 'f', '0'];

export const booleanStep: SqlStep = (v) => {
  const word = asciiLower(jsTrim(t(v)));
  const inList = (words: string[]) => `${word} IN (${words.map((w) => literal(w)).join(', ')})`;
  const printable = `${printsAsJavaScript(v)} AND ${isAscii(t(v))}`;
  return {
    value: `CASE WHEN ${printable} THEN CASE WHEN ${inList(TRUE_WORDS)} THEN 'true'::jsonb WHEN ${inList(FALSE_WORDS)} THEN 'false'::jsonb END END`,
    worker: `NOT (${printable}) OR NOT (${inList([...TRUE_WORDS, ...FALSE_WORDS])})`,
  };
};

/** `timestamp: { unix: s | ms }` on a whole JSON number; anything else (text, fractions) goes to the worker. */
export function unixTimestampStep(unit: 's' | 'ms'): SqlStep {
  return (v) => {
    const n = `(${v})::numeric`;
    const whole = `CASE WHEN ${jsonType(v)} = 'number' THEN ${n} = trunc(${n}) AND abs(${n}) <= 9007199254740991 ELSE false END`;
    const seconds = unit === 's' ? n : `floor(${n} / 1000)`;
    const inRange = `CASE WHEN ${whole} THEN ${seconds} BETWEEN ${FIRST_SECOND_SQL} AND ${LAST_SECOND_SQL} ELSE false END`;
    const fraction = unit === 's' ? "''" : `CASE WHEN mod(${n} - ${seconds} * 1000, 1000) = 0 THEN '' ELSE '.' || lpad((${n} - ${seconds} * 1000)::text, 3, '0') END`;
    return {
      value: `CASE WHEN ${inRange} THEN ${asTextJson(`${utcIsoText(fromUnixSeconds(seconds))} || ${fraction} || 'Z'`)} END`,
      worker: `NOT (${inRange})`,
    };
  };
}

/**
 * `timestamp` on ISO-like text with a date and a time: with an offset it is an instant;
 * without, a wall clock in `zone` (none: the worker says so). A wall clock within a day of
 * a zone transition, or outside 1900-2037 where zone histories differ between databases,
 * goes to the worker, which applies the gap and overlap rules.
 */
export function isoTimestampStep(zone: string | undefined): SqlStep {
  return (v, bind) => {
    const m = bind(`CASE WHEN ${text(v)} THEN ${isoMatch(jsTrim(t(v)))} END`);
    const part = (i: number) => `(${m})[${i}]`;
    const valid = bind(`CASE WHEN ${m} IS NOT NULL AND ${part(4)} IS NOT NULL THEN ${validWallClock(part)} ELSE false END`);
    const wall = bind(`CASE WHEN ${valid} THEN make_timestamp(${part(1)}::int, ${part(2)}::int, ${part(3)}::int, ${part(4)}::int, ${part(5)}::int, coalesce(${part(6)}, '0')::int) END`);
    const offset = bind(`CASE WHEN ${valid} THEN ${offsetMinutes(part(8))} END`);
    const zoned = zone === undefined ? 'NULL::timestamp' : wallClockToUtc(wall, zone);
    const utc = `CASE WHEN ${part(8)} IS NOT NULL THEN ${wall} - make_interval(mins => ${offset}) ELSE ${zoned} END`;
    const checked = bind(`CASE WHEN ${valid} AND (${part(8)} IS NULL OR ${offset} IS NOT NULL) THEN ${utc} END`);
    const inRange = `(${checked} BETWEEN '0001-01-01 00:00:00' AND '9999-12-31 23:59:59')`;
    return {
      value: `CASE WHEN ${inRange} THEN ${asTextJson(`${utcIsoText(checked)} || ${canonicalFractionSql(part(7))} || 'Z'`)} END`,
      worker: `${inRange} IS NOT TRUE`,
    };
  };
}

function validWallClock(part: (i: number) => string): string {
  const n = (i: number) => `${part(i)}::int`;
  const monthEnd = `extract(day from (make_date(${n(1)}, ${n(2)}, 1) + interval '1 month - 1 day'))`;
  return `CASE WHEN ${n(1)} >= 1 AND ${n(2)} BETWEEN 1 AND 12 AND ${n(4)} <= 23 AND ${n(5)} <= 59 AND coalesce(${part(6)}, '0')::int <= 59 THEN ${n(3)} BETWEEN 1 AND ${monthEnd} ELSE false END`;
}

/** Minutes east of UTC for Z/UTC/GMT or ±HH[[:]MM]; NULL for an impossible one (the evaluator fails). */
function offsetMinutes(offsetExpr: string): string {
  const digits = `regexp_replace(${offsetExpr}, '[^0-9]', '', 'g')`;
  const hours = `left(${digits}, 2)::int`;
  const minutes = `coalesce(nullif(substr(${digits}, 3), ''), '0')::int`;
  const sign = `CASE WHEN left(${offsetExpr}, 1) = '-' THEN -1 ELSE 1 END`;
  return `CASE WHEN ${offsetExpr} !~ '^[+-]' THEN 0 WHEN ${hours} <= 18 AND ${minutes} <= 59 THEN ${sign} * (${hours} * 60 + ${minutes}) END`;
}

function wallClockToUtc(wall: string, zone: string): string {
  const z = literal(zone);
  const instant = `(${wall} AT TIME ZONE ${z})`;
  const offsetAt = (shift: string) => `((${instant} ${shift}) AT TIME ZONE ${z}) - ((${instant} ${shift}) AT TIME ZONE 'UTC')`;
  return `CASE WHEN extract(year from ${wall}) BETWEEN 1900 AND 2037 AND ${offsetAt("- interval '1 day'")} = ${offsetAt("+ interval '1 day'")} THEN ${instant} AT TIME ZONE 'UTC' END`;
}

export type { SqlPiece, SqlStep };
