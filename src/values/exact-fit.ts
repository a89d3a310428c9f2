import type { CatalogColumn } from '../db/catalog-types.js';
import { withoutTrailingZeros } from './trailing-zeros.js';

/**
 * Whether PostgreSQL would store a value exactly as given. It does not refuse
 * `5.555` for numeric(10,2): it stores `5.56`, and `0.001` becomes `0.00`; a
 * timestamp(0) drops its fraction, and any timestamp its digits past microseconds.
 * A recovery that changes an amount without a word is worse than one that stops, so
 * such a value is a problem with its reason, unless a mapping rounds it on purpose
 * (`{ decimal: { scale: 2 } }` makes exactly the digits the column keeps).
 * Lengths and integer ranges, which PostgreSQL refuses outright, are checked where
 * the value is converted (normalize.ts).
 */
export function inexactFit(column: CatalogColumn, text: string): string | undefined {
  const t = column.typeName;
  if (t === 'numeric') return numericLoss(column, text);
  if (t === 'timestamptz' || t === 'timestamp') return fractionLoss(column, text);
  return undefined;
}

const NUMERIC_SCALE = /^numeric\(\d+,(\d+)\)$/;
// Each part can match in one way only: linear time on any value (`\d*\.?(\d*)` was quadratic).
const PLAIN = /^\s*[+-]?\d*(?:\.(\d*))?\s*$/;

/** A numeric type's scale, read once per type (this runs for every value of every record); undefined when unconstrained. */
const scales = new Map<string, number | undefined>();

function scaleOf(type: string): number | undefined {
  if (scales.has(type)) return scales.get(type);
  const match = NUMERIC_SCALE.exec(type);
  const scale = match ? Number(match[1]) : undefined;
  scales.set(type, scale);
  return scale;
}

function numericLoss(column: CatalogColumn, text: string): string | undefined {
  const scale = scaleOf(column.type);
  if (scale === undefined) return undefined; // unconstrained numeric keeps every digit
  const plain = PLAIN.exec(text);
  // Exponent forms are rare: expand them to count their digits.
  const fraction = plain ? (text.includes('.') ? (plain[1] ?? '') : '') : fractionOfExponent(text.trim());
  if (fraction === undefined) return undefined; // not a number: normalize.ts says so
  const kept = withoutTrailingZeros(fraction);
  if (kept.length <= scale) return undefined;
  return (
    `${text.trim()} has ${kept.length} decimal place(s), ${column.type} keeps ${scale}: PostgreSQL would store it rounded, losing digits. ` +
    `If rounding is right, say so in the rule with { decimal: { scale: ${scale} } }`
  );
}

function fractionOfExponent(s: string): string | undefined {
  const m = /^[+-]?(\d*)(?:\.(\d*))?[eE]([+-]?\d+)$/.exec(s);
  if (!m) return undefined;
  const digits = `${m[1] ?? ''}${m[2] ?? ''}`;
  const point = (m[1] ?? '').length + Number(m[3]);
  if (point >= digits.length) return '';
  return point <= 0 ? `${'0'.repeat(-point)}${digits}` : digits.slice(point);
}

const TIMESTAMP_PRECISION = /^timestamp\((\d)\)/;
const FRACTION = /\d:\d\d\.(\d+)/;

function fractionLoss(column: CatalogColumn, text: string): string | undefined {
  const fraction = FRACTION.exec(text)?.[1];
  if (!fraction) return undefined;
  const precision = Number(TIMESTAMP_PRECISION.exec(column.type)?.[1] ?? 6);
  const kept = withoutTrailingZeros(fraction);
  if (kept.length <= precision) return undefined;
  return `${text.trim()} has ${kept.length} digit(s) of fractional seconds, ${column.type} keeps ${precision}: PostgreSQL would store it rounded, losing digits`;
}
