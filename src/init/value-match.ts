import type { CatalogColumn } from '../db/catalog-types.js';
import { columnKind } from '../mapping/value-kinds.js';
import { parsePgInstant } from './backup-end.js';

/**
 * Whether a value a source carries is one a backup column already holds: the
 * measure init chooses fields by. Besides the same text, the obvious equivalences
 * count: an email in another case or with a display name around it, an amount in
 * cents against one in major units (and back), a time written in another zone or as
 * unix seconds, equal to the column's precision, a date inside an instant.
 */
export type MatchHow = 'exact' | 'case' | 'cents' | 'decimal' | 'time' | 'date';

export interface ColumnValues {
  /** Distinct non-null values the sample read. */
  size: number;
  /** How a record value is found among them, or undefined when it is not. */
  find(value: unknown): MatchHow | undefined;
}

const ADDRESS = /<([^<>\s@]+@[^<>\s@]+)>\s*$/;

/** The column's sampled values (as PostgreSQL prints them), indexed for the comparisons its kind allows. */
export function columnValues(column: Pick<CatalogColumn, 'typeName' | 'type'>, texts: readonly string[]): ColumnValues {
  const kind = columnKind(column);
  if (kind === 'integer' || kind === 'decimal') return numberValues(texts, kind);
  if (kind === 'timestamp') return timeValues(texts, secondsPrecision(column.type));
  if (kind === 'date') return dateValues(texts);
  const exact = new Set(texts);
  const folded = new Set(texts.map(fold));
  return {
    size: exact.size,
    find(value) {
      if (typeof value !== 'string' && typeof value !== 'number') return undefined;
      const text = String(value);
      if (exact.has(text)) return 'exact';
      // An email is the same person in any case; a uuid the same key in any case.
      return folded.has(fold(text)) ? 'case' : undefined;
    },
  };
}

function fold(text: string): string {
  const address = ADDRESS.exec(text)?.[1] ?? text;
  return address.replace(/^mailto:/i, '').trim().toLowerCase();
}

/** Money and counts compared as numbers, to the cent: `65.00` is `65`, and 6500 cents is 65.00. */
function numberValues(texts: readonly string[], kind: 'integer' | 'decimal'): ColumnValues {
  const hundredths = new Set<number>();
  for (const text of texts) {
    const n = Number(text);
    if (Number.isFinite(n)) hundredths.add(Math.round(n * 100));
  }
  return {
    size: hundredths.size,
    find(value) {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isFinite(n)) return undefined;
      if (hundredths.has(Math.round(n * 100))) return 'exact';
      // Cents in the record, major units in the column (Stripe's 6500 for 65.00)...
      if (kind === 'decimal' && Number.isInteger(n) && hundredths.has(n)) return 'cents';
      // ...or major units in the record, cents in the column.
      if (kind === 'integer' && hundredths.has(Math.round(n * 100) * 100)) return 'decimal';
      return undefined;
    },
  };
}

/** `timestamp(0)` keeps seconds; a plain timestamp keeps microseconds (milliseconds are what JavaScript has). */
function secondsPrecision(type: string): number {
  const digits = /\((\d)\)/.exec(type)?.[1];
  return digits === undefined ? 3 : Math.min(3, Number(digits));
}

function timeValues(texts: readonly string[], digits: number): ColumnValues {
  const unit = 10 ** (3 - digits);
  const at = new Set<number>();
  for (const text of texts) {
    const date = parsePgInstant(text);
    if (date) at.add(Math.floor(date.getTime() / unit));
  }
  return {
    size: at.size,
    find(value) {
      const ms = instantOf(value);
      return ms !== undefined && at.has(Math.floor(ms / unit)) ? 'time' : undefined;
    },
  };
}

function dateValues(texts: readonly string[]): ColumnValues {
  const days = new Set(texts.map((t) => t.slice(0, 10)));
  return {
    size: days.size,
    find(value) {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
      return days.has(value.slice(0, 10)) ? (value.length === 10 ? 'exact' : 'date') : undefined;
    },
  };
}

/** An ISO instant (any zone), or unix seconds as Stripe writes them; a bare date is not an instant. */
export function instantOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 1e8 && value < 1e10 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^\d{9,10}$/.test(value)) return Number(value) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) return undefined;
  const date = parsePgInstant(value.replace('T', ' ').replace(/Z$/, '+00'));
  return date?.getTime();
}
