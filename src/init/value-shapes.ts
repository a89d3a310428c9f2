import type { Concept } from './concepts.js';

/**
 * What sampled values look like: the shapes init recognises in a source's fields,
 * so that a column is only called an email when its values are emails.
 */
// The domain: a first character, then up to the first dot after it, then the rest; one way to match
// only (`[^\s@<>]+\.[^\s@<>]+` was quadratic in a run of dots), and the same addresses.
export const EMAIL = /^(?:[^<>]*<)?(?:mailto:)?[^\s@<>]+@[^\s@<>][^\s@<>.]*\.[^\s@<>]+>?$/i;
export const INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/;
export const WALL_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const INTEGER = /^-?\d+$/;
export const DECIMAL = /^-?\d+(?:\.\d+)?$/;
export const COMMA_DECIMAL = /^-?\d+(?:,\d+)?$/;
export const CURRENCY = /^[A-Za-z]{3}$/;
export const BOOLEAN = /^(?:true|false|yes|no)$/i;
export const PHONE = /^\+?[\d\s().-]{6,}$/;
export const PERSON_NAME = /^[\p{L}][\p{L}\p{M}' .-]*$/u;
/** `35.00` of `35.00 EUR (cash)`. */
export const LEADING_NUMBER = /^-?\d+(?:[.,]\d+)?(?:\s|$)/;

export const hasWord = (ws: string[], ...any: string[]) => any.some((w) => ws.includes(w));

/** Exports are dirty (an emoji in a card name, "Jr."): people's fields need only most values to look right. */
export function mostly(values: string[], shape: RegExp): boolean {
  return values.length > 0 && values.filter((v) => shape.test(v)).length >= values.length * 0.9;
}

/** What a text field's name says it holds. */
export function textConcept(ws: string[]): { concept?: Concept } {
  if (hasWord(ws, 'reference', 'ref', 'code', 'confirmation', 'number', 'no')) return { concept: 'reference' };
  if (hasWord(ws, 'title', 'summary', 'subject')) return { concept: 'title' };
  if (hasWord(ws, 'description', 'notes', 'note', 'comment', 'comments', 'details')) return { concept: 'description' };
  if (hasWord(ws, 'location', 'place', 'room', 'venue')) return { concept: 'location' };
  return {};
}
