import type { SourceRecord } from '../records/envelope.js';
import { STRIPE_ID_PREFIXES, words, type Concept } from './concepts.js';
import type { SourceField, ValueKind } from './families.js';
import { fieldPath } from './yaml-text.js';
import {
  BOOLEAN, COMMA_DECIMAL, CURRENCY, DATE, DECIMAL, EMAIL, INSTANT, INTEGER, PERSON_NAME, PHONE, WALL_TIME, hasWord as has, mostly, textConcept,
} from './value-shapes.js';

/**
 * A CSV export's columns, read off sampled rows: each header with the shape of its
 * values (emails, Stripe ids, money, times with or without a zone, a status's few
 * values), and what the two together say it means.
 */

const MAX_STATUS_VALUES = 20;

/** The columns of a CSV source's rows, in header order. */
export function csvFields(records: SourceRecord[]): SourceField[] {
  const headers: string[] = [];
  const values = new Map<string, string[]>();
  for (const record of records) {
    if (record.type !== 'csv.row') continue;
    for (const [header, value] of Object.entries(record.data)) {
      if (!values.has(header)) {
        headers.push(header);
        values.set(header, []);
      }
      if (typeof value === 'string' && value.trim() !== '') values.get(header)?.push(value.trim());
    }
  }
  const fields = headers.map((header) => profile(header, values.get(header) ?? [], records.length));
  markFirstCreated(fields);
  return fields;
}


function profile(header: string, values: string[], rows: number): SourceField {
  const ws = words(header);
  const path = fieldPath(['data', header]);
  const all = (re: RegExp) => values.length > 0 && values.every((v) => re.test(v));
  const most = (re: RegExp) => mostly(values, re);
  const base = { path, label: header };
  const seen = `${values.length} of ${rows} sampled rows`;

  const prefix = stripePrefix(values);
  if (prefix) {
    const object = STRIPE_ID_PREFIXES[prefix] as string;
    const ownId = ws.length === 1 && ws[0] === 'id';
    return { ...base, concept: 'stripeId', stripeObject: object, ownId, kind: 'stripeId', why: `its values are Stripe ${object} ids (${prefix}...)${ownId ? ", the row's own" : ''}` };
  }
  if (most(EMAIL)) return { ...base, concept: 'email', kind: 'email', why: `its values are email addresses (${seen})` };
  if (all(INSTANT)) return timeField(base, ws, 'instant', 'its values are instants with an offset');
  if (all(WALL_TIME)) {
    const utc = has(ws, 'utc', 'gmt', 'z');
    return { ...timeField(base, ws, 'wallTime', `its values are dates and times without a zone${utc ? ', and its header says UTC' : ''}`), ...(utc ? { zone: 'UTC' } : {}) };
  }
  if (all(DATE)) return timeField(base, ws, 'date', 'its values are dates');
  if (all(INTEGER) && values.every((v) => v.length === 10) && has(ws, 'created', 'date', 'time', 'timestamp')) {
    return timeField(base, ws, 'unixSeconds', 'its values are unix times in seconds');
  }
  const money = has(ws, 'amount', 'total', 'price', 'sum', 'fee', 'cost', 'paid', 'gross', 'net', 'cents');
  if (all(DECIMAL) || (money && all(COMMA_DECIMAL))) {
    const comma = !all(DECIMAL);
    const kind: ValueKind = has(ws, 'cents') ? 'cents' : money || !all(INTEGER) ? 'decimal' : 'integer';
    const why = kind === 'cents' ? 'its header says cents' : money ? 'a money header with numbers (read as major units: 45.00, not cents)' : 'its values are numbers';
    return { ...base, ...(money ? { concept: 'amount' as Concept } : {}), kind, ...(comma ? { comma } : {}), why };
  }
  if (has(ws, 'currency', 'ccy') && all(CURRENCY)) return { ...base, concept: 'currency', kind: 'currency', why: 'a currency header with three-letter codes' };
  if (has(ws, 'status', 'state')) {
    const distinct = [...new Set(values)];
    if (distinct.length > 0 && distinct.length <= MAX_STATUS_VALUES) {
      return { ...base, concept: 'status', kind: 'status', values: distinct.sort(), why: `a status header with ${distinct.length} distinct values` };
    }
  }
  if (all(BOOLEAN)) return { ...base, kind: 'boolean', why: 'its values are yes/no' };
  if (has(ws, 'phone', 'mobile', 'tel', 'telephone') && most(PHONE)) return { ...base, concept: 'phone', kind: 'phone', why: 'a phone header with phone numbers' };
  if (has(ws, 'name', 'customer', 'holder') && most(PERSON_NAME)) {
    const concept: Concept = has(ws, 'first', 'given') ? 'firstName' : has(ws, 'last', 'surname', 'family') ? 'lastName' : 'fullName';
    return { ...base, concept, kind: 'personName', why: "a name header with people's names" };
  }
  return { ...base, ...textConcept(ws), kind: 'text', why: 'its header' };
}

function timeField(base: { path: string; label: string }, ws: string[], kind: ValueKind, why: string): SourceField {
  const concept: Concept | undefined = has(ws, 'start', 'starts', 'begin', 'begins', 'from')
    ? 'start'
    : has(ws, 'end', 'ends', 'until', 'finish')
      ? 'end'
      : has(ws, 'updated', 'modified', 'changed')
        ? 'updated'
        : has(ws, 'created', 'creation')
          ? 'created'
          : undefined;
  return { ...base, ...(concept ? { concept } : {}), kind, why };
}

/** Without a header saying "created", the first date-time column of an export is when its row happened. */
function markFirstCreated(fields: SourceField[]): void {
  if (fields.some((f) => f.concept === 'created')) return;
  const first = fields.find((f) => f.concept === undefined && ['instant', 'wallTime', 'unixSeconds', 'date'].includes(f.kind));
  if (first) {
    first.concept = 'created';
    first.why += '; the first date-time column, taken as when the row happened';
  }
}


function stripePrefix(values: string[]): string | undefined {
  if (values.length === 0) return undefined;
  const prefix = Object.keys(STRIPE_ID_PREFIXES).find((p) => values.every((v) => v.startsWith(p) && /^[a-z]+_[A-Za-z0-9]{6,}$/.test(v)));
  return prefix;
}

