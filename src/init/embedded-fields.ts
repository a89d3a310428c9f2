import type { SourceRecord } from '../records/envelope.js';
import { singular, words, type Concept } from './concepts.js';
import type { SourceField, ValueKind } from './families.js';
import { EMAIL, LEADING_NUMBER, PERSON_NAME, hasWord as has, mostly, textConcept } from './value-shapes.js';

/**
 * Values inside other fields, found in sampled records: the `Label: value` lines a
 * booking system writes into calendar descriptions and emails, and the row id in a
 * calendar UID (`booking-643@host`). Each is read by an optional extract.
 */

/**
 * `Label: value` lines inside a text field (`Item: Single kayak`, `Total: 35.00 EUR`)
 * that recur across the sampled records: a booking system's template. Labels seen in
 * fewer than a tenth of the texts (or once) are left out as chance.
 */
const LINE_BREAK = /[\r\n\u2028\u2029]/;

export function textLabelFields(records: SourceRecord[], textPath: string, read: (record: SourceRecord) => unknown): SourceField[] {
  const texts = records.map(read).filter((t): t is string => typeof t === 'string' && t.trim() !== '');
  const byLabel = new Map<string, string[]>();
  for (const text of texts) {
    const seenHere = new Set<string>();
    for (const line of text.split(/\r?\n/)) {
      // The value is trimmed in code: `(\S.*?)\s*$` tried the end at every character, quadratic in a line of spaces.
      const m = /^\s*([A-Za-z][A-Za-z0-9 ._'/()-]{0,40}?)\s*:\s+(\S[^]*)$/.exec(line);
      const value = m?.[2]?.trimEnd();
      if (!m || value === undefined || LINE_BREAK.test(value) || /^https?$/i.test(m[1] ?? '')) continue;
      const label = m[1] as string;
      if (seenHere.has(label)) continue;
      seenHere.add(label);
      const list = byLabel.get(label) ?? [];
      list.push(value);
      byLabel.set(label, list);
    }
  }
  const fields: SourceField[] = [];
  for (const [label, values] of byLabel) {
    if (values.length < Math.max(2, texts.length / 10)) continue;
    const ws = words(label);
    const numeric = values.every((v) => LEADING_NUMBER.test(v));
    const kind: ValueKind = values.every((v) => EMAIL.test(v)) ? 'email' : numeric ? 'decimal' : has(ws, 'phone', 'mobile', 'tel') ? 'phone' : mostly(values, PERSON_NAME) && has(ws, 'name', 'customer', 'guest', 'patient', 'client') ? 'personName' : 'text';
    const concept: Concept | undefined =
      kind === 'email'
        ? 'email'
        : kind === 'phone'
          ? 'phone'
          : kind === 'personName'
            ? 'fullName'
            : numeric && has(ws, 'amount', 'total', 'price', 'sum', 'paid', 'fee')
              ? 'amount'
              : textConcept(ws).concept;
    fields.push({
      path: textPath,
      label,
      extract: {
        from: textPath,
        before: `^[ \\t]*${escapeRegex(label)}[ \\t]*:[ \\t]*`,
        // A number is its leading digits (`35.00` of `35.00 EUR (cash)`); text runs to the end of the line.
        value: numeric ? '-?[0-9]+(?:[.,][0-9]+)?' : '.+?',
        after: numeric ? '' : '[ \\t]*$',
        flags: 'm',
        fromText: true,
        seen: values.length,
        of: texts.length,
      },
      ...(concept ? { concept } : {}),
      kind,
      why: `a "${label}: ..." line in ${values.length} of ${texts.length} sampled texts`,
    });
  }
  return fields;
}

/**
 * Calendar UIDs that carry a row's id: `booking-643@fjordkayaks.example` is what a
 * booking system writes for booking 643. Seen in enough sampled events, the number
 * is offered as the primary key of the table named like the word before it.
 */
export function uidRowIdFields(records: SourceRecord[]): SourceField[] {
  const uids = records.map((r) => r.data['uid']).filter((u): u is string => typeof u === 'string');
  const byWord = new Map<string, { separator: string; count: number }>();
  for (const uid of uids) {
    const m = /^([A-Za-z]+)([-_])\d+@/.exec(uid);
    if (!m) continue;
    const key = `${(m[1] as string).toLowerCase()}${m[2]}`;
    const entry = byWord.get(key) ?? { separator: m[2] as string, count: 0 };
    entry.count++;
    byWord.set(key, entry);
  }
  const fields: SourceField[] = [];
  for (const [key, { separator, count }] of byWord) {
    if (count < Math.max(2, uids.length / 10)) continue;
    const word = key.slice(0, -separator.length);
    fields.push({
      path: 'data.uid',
      label: `${word} id in the UID`,
      concept: 'rowId',
      rowOf: singular(word),
      kind: 'integer',
      extract: { from: 'data.uid', before: `^${escapeRegex(word)}${escapeRegex(separator)}`, value: '[0-9]+', after: '@', flags: 'i', fromText: false, seen: count, of: uids.length },
      why: `${count} of ${uids.length} sampled UIDs read ${word}${separator}<number>@..., the ${word}'s id`,
    });
  }
  return fields;
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

