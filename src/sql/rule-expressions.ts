import { SqlSafetyError } from './identifier.js';
import { literal } from './literal.js';

/**
 * SQL expressions that reproduce, over a jsonb staging table, what the mapping
 * evaluator does in JavaScript. A value flows as jsonb (SQL NULL: absent), so a number
 * stays a number and `trim` can refuse it as the evaluator does. Every expression here
 * is total: bad input gives NULL plus a "worker" condition, never an SQL error, because
 * one odd record must not abort the statement that maps a million.
 *
 * "worker" means: the JavaScript evaluator decides this record for this rule (a
 * failure with its message, or a value whose exact text SQL cannot promise).
 */

/** A step's SQL over its input (a column reference of type jsonb, known not NULL). */
export interface SqlPiece {
  /** jsonb; NULL for "absent". */
  value: string;
  /** boolean; true when the JavaScript evaluator must decide. Absent: never. */
  worker?: string;
}

/**
 * `bind` names an intermediate expression (computed once per record, as its own LATERAL)
 * and returns a reference to it: a step that reads a value several times reads the name,
 * not a copy of the expression. Bound expressions must be total on NULL input.
 */
export type Bind = (expr: string) => string;

export type SqlStep = (input: string, bind: Bind) => SqlPiece;

/** JavaScript's whitespace (String.prototype.trim and regex \s), listed, so no locale decides. */
export const JS_WHITESPACE = '\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

/** As a U& literal, so that no invisible character stands in the SQL text (`\XXXX` is exact: the session has standard_conforming_strings on). */
function unicodeLiteral(text: string): string {
  return `U&'${[...text].map((c) => (c === ' ' ? ' ' : `\\${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`)).join('')}'`;
}

const WS_LITERAL = unicodeLiteral(JS_WHITESPACE);
const WS_CLASS = `'[' || ${WS_LITERAL} || ']'`;
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** A JSON scalar as a jsonb constant; jsonb refuses \u0000 and lone surrogates, so they are refused here, at compile time. */
export function jsonbConstant(value: string | number | boolean): string {
  if (typeof value === 'string' && /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
    throw new SqlSafetyError(`the constant ${JSON.stringify(value)} has a NUL byte or a lone surrogate, which jsonb cannot hold`);
  }
  return `${literal(JSON.stringify(value))}::jsonb`;
}

export function jsonType(v: string): string {
  return `jsonb_typeof(${v})`;
}

/** The text inside a jsonb string (or a number's or boolean's printed form). */
export function scalarText(v: string): string {
  return `(${v} #>> '{}')`;
}

export function isText(v: string): string {
  return `${jsonType(v)} = 'string'`;
}

export function asTextJson(textExpr: string): string {
  return `to_jsonb(${textExpr})`;
}

/**
 * A jsonb number whose text PostgreSQL prints exactly as JavaScript's String(n) does:
 * plain notation between 1e-6 and 1e21 (the staged JSON was written by JSON.stringify,
 * so the digits are already the shortest round-trip ones). Outside that, JavaScript
 * writes an exponent.
 */
export function plainNumber(v: string): string {
  // CASE, not AND: PostgreSQL may evaluate AND's operands in any order, and the cast fails on a non-number.
  return `(CASE WHEN ${jsonType(v)} = 'number' THEN abs((${v})::numeric) < 1e21 AND (abs((${v})::numeric) >= 0.000001 OR (${v})::numeric = 0) ELSE false END)`;
}

/** Whether a jsonb scalar's text is what JavaScript's String() gives (strings, booleans, plain numbers). */
export function printsAsJavaScript(v: string): string {
  return `(${jsonType(v)} IN ('string', 'boolean') OR ${plainNumber(v)})`;
}

export function jsTrim(textExpr: string): string {
  return `btrim(${textExpr}, ${WS_LITERAL})`;
}

export function jsCollapseWhitespace(textExpr: string): string {
  return `regexp_replace(${jsTrim(textExpr)}, ${WS_CLASS} || '+', ' ', 'g')`;
}

/** ASCII-only text: the case mappings below agree with JavaScript's exactly on it. */
export function isAscii(textExpr: string): string {
  return `(octet_length(${textExpr}) = char_length(${textExpr}))`;
}

export function asciiLower(textExpr: string): string {
  return `translate(${textExpr}, '${UPPER}', '${LOWER}')`;
}

export function asciiUpper(textExpr: string): string {
  return `translate(${textExpr}, '${LOWER}', '${UPPER}')`;
}

/** Text the evaluator reads as a plain decimal: optional sign, digits, one optional point, at least one digit. */
export function isPlainDecimalText(textExpr: string): string {
  return `(${textExpr} ~ '^[+-]?[0-9]*(\\.[0-9]*)?$' AND ${textExpr} ~ '[0-9]' AND char_length(${textExpr}) <= 1000)`;
}

/** `Name <addr>` → addr (JavaScript's /<([^<>]*)>\s*$/), else NULL. */
export function angleAddress(textExpr: string): string {
  return `substring(${textExpr} from '<([^<>]*)>' || ${WS_CLASS} || '*$')`;
}

export function stripMailto(textExpr: string): string {
  return `CASE WHEN lower(left(${textExpr}, 7)) = 'mailto:' THEN substr(${textExpr}, 8) ELSE ${textExpr} END`;
}

/** Whether a lower-cased address passes the evaluator's shape test (one @, text on both sides, no space or <>,;"). */
export function isEmailShape(textExpr: string): string {
  return `(${textExpr} ~ '^[^@]+@[^@]+$' AND ${textExpr} !~ ('[<>,;"' || ${WS_LITERAL} || ']'))`;
}

/** A numeric with its scale as written, rounded half away from zero to `scale` digits. */
export function roundNumeric(numericExpr: string, scale: number): string {
  return `round(${numericExpr}, ${scale})`;
}

/** A whole numeric divided by 10^digits, with exactly `digits` digits after the point. Multiplied, not divided: numeric division rounds to a scale of its own choosing. */
export function shiftPoint(numericExpr: string, digits: number): string {
  return digits === 0 ? numericExpr : `round(${numericExpr} * 0.${'0'.repeat(digits - 1)}1, ${digits})`;
}

export function timesPowerOfTen(numericExpr: string, digits: number): string {
  return `(${numericExpr} * 1${'0'.repeat(digits)}::numeric)`;
}

/** Whole UTC seconds of years 1-9999, the evaluator's range. */
export const FIRST_SECOND_SQL = '-62135596800';
export const LAST_SECOND_SQL = '253402300799';

/** `YYYY-MM-DDTHH:MM:SS` of a timestamp without time zone that holds UTC. */
export function utcIsoText(timestampExpr: string): string {
  return `to_char(${timestampExpr}, 'YYYY-MM-DD"T"HH24:MI:SS')`;
}

export function fromUnixSeconds(numericExpr: string): string {
  return `(to_timestamp(${numericExpr}::double precision) AT TIME ZONE 'UTC')`;
}

/**
 * The evaluator's ISO-like date/time form (moment.ts), with explicit digit and space
 * classes: PostgreSQL's \d and \s follow the locale, JavaScript's do not.
 */
export function isoMatch(textExpr: string): string {
  const before = literal('^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?(?:');
  const after = literal('*([Zz]|[Uu][Tt][Cc]|[Gg][Mm][Tt]|[+-][0-9]{2}(?::?[0-9]{2})?))?)?$');
  return `regexp_match(${textExpr}, ${before} || ${WS_CLASS} || ${after})`;
}

/** Sub-second digits as the evaluator writes them: trailing zeros cut, padded to ms, µs or ns; '' when none. */
export function canonicalFractionSql(digitsExpr: string): string {
  const significant = `rtrim(coalesce(${digitsExpr}, ''), '0')`;
  return `CASE WHEN ${significant} = '' THEN '' ELSE '.' || rpad(${significant}, ((char_length(${significant}) + 2) / 3) * 3, '0') END`;
}

/** A JSON text array of texts, as JSON.stringify writes it (to_json escapes as it does). */
export function jsonTextArray(textExprs: string[]): string {
  return `'[' || ${textExprs.map((t) => `to_json(${t})::text`).join(` || ',' || `)} || ']'`;
}
