import { literal } from './literal.js';
import { isPlainDecimalText, jsTrim, jsonType, plainNumber, scalarText } from './rule-expressions.js';

/**
 * `when:` conditions as SQL booleans over a jsonb field value (SQL NULL: the field is
 * missing or JSON null). They use SQL's three-valued logic on purpose: NULL means "SQL
 * cannot tell the way JavaScript would" (a number JavaScript prints with an exponent,
 * a text it reads as a number by rules PostgreSQL does not share), and AND, OR and NOT
 * keep an unknown unknown unless the answer does not depend on it. A rule's row is
 * then produced and handed to the worker instead of being dropped.
 */

type Scalar = string | number | boolean | null;

/** The evaluator's `looselyEqual`. */
export function equalsSql(v: string, expected: Scalar): string {
  if (expected === null) return `(${v} IS NULL)`;
  const numberArm = typeof expected === 'number' ? `WHEN ${jsonType(v)} = 'number' THEN (${v})::numeric = ${numericLiteral(expected)}` : '';
  return `(CASE WHEN ${v} IS NULL OR ${jsonType(v)} IN ('object', 'array') THEN false ${numberArm} WHEN ${jsonType(v)} = 'number' AND NOT ${plainNumber(v)} THEN NULL ELSE ${scalarText(v)} = ${literal(String(expected))} END)`;
}

/** The evaluator's `isPresent`: not missing, not null, not ''. */
export function presentSql(v: string): string {
  return `(${v} IS NOT NULL AND ${v} <> '""'::jsonb)`;
}

export type Order = '>' | '>=' | '<' | '<=';

/**
 * gt/gte/lt/lte. A number bound compares numerically: a text counts when it is a
 * plain decimal of at most 15 digits (which a double holds exactly enough to order as
 * JavaScript's Number() does), anything else is unknown. A text bound compares by code
 * point (COLLATE "C"), which is JavaScript's UTF-16 order for a bound below U+D800.
 */
export function compareSql(v: string, order: Order, bound: number | string): string {
  if (typeof bound === 'number') {
    const trimmed = jsTrim(scalarText(v));
    const fromText = `CASE WHEN ${isPlainDecimalText(trimmed)} AND char_length(regexp_replace(${trimmed}, '[^0-9]', '', 'g')) <= 15 THEN (${trimmed})::numeric ${order} ${numericLiteral(bound)} END`;
    return `(CASE WHEN ${v} IS NULL OR ${jsonType(v)} IN ('object', 'array') THEN false WHEN ${jsonType(v)} = 'number' THEN (${v})::numeric ${order} ${numericLiteral(bound)} WHEN ${jsonType(v)} = 'string' THEN ${fromText} END)`;
  }
  return `(CASE WHEN ${v} IS NULL OR ${jsonType(v)} IN ('object', 'array') THEN false WHEN ${jsonType(v)} = 'number' AND NOT ${plainNumber(v)} THEN NULL ELSE ${scalarText(v)} COLLATE "C" ${order} ${literal(bound)} END)`;
}

export function notSql(condition: string): string {
  return `(NOT ${condition})`;
}

export function allSql(conditions: string[]): string {
  return conditions.length === 0 ? 'true' : `(${conditions.join(' AND ')})`;
}

export function anySql(conditions: string[]): string {
  return conditions.length === 0 ? 'false' : `(${conditions.join(' OR ')})`;
}

/** A JavaScript number as an exact numeric constant (its shortest decimal form, which PostgreSQL reads exponents of). */
function numericLiteral(n: number): string {
  return `${literal(String(n))}::numeric`;
}
