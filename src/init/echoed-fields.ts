import type { SourceRecord } from '../records/envelope.js';
import { escapeRegex } from './embedded-fields.js';
import type { SourceField } from './families.js';

/**
 * A field's values repeated inside another field's text. In a Stripe export the
 * booking reference `K7QX2P` of `booking_ref (metadata)` is also in the Description
 * `Booking K7QX2P – Double kayak`, and older checkouts wrote it only there. Such a
 * text is offered as the field's fallback, read with an extract: the words the sample
 * shows before the value, and the shape of the field's values.
 */
export function echoedFields(records: SourceRecord[], fields: SourceField[]): Map<string, SourceField> {
  const fallbacks = new Map<string, SourceField>();
  const texts = fields.filter((f) => !f.extract && f.kind === 'text');
  for (const field of fields) {
    if (field.extract || field.ownId || (field.kind !== 'text' && field.kind !== 'stripeId')) continue;
    const pairs = records.map((r) => ({ value: read(r, field.label), record: r })).filter((p): p is { value: string; record: SourceRecord } => p.value !== undefined);
    const shape = codeShape(pairs.map((p) => p.value));
    if (!shape || pairs.length < 2) continue;
    for (const text of texts) {
      if (text === field) continue;
      const befores: string[] = [];
      for (const { value, record } of pairs) {
        const inText = read(record, text.label);
        const at = inText?.indexOf(value) ?? -1;
        if (inText !== undefined && at >= 0) befores.push(inText.slice(0, at));
      }
      // Most records that have the value repeat it in the text: a template, not chance.
      if (befores.length < Math.max(2, pairs.length * 0.8)) continue;
      const before = commonWordsBefore(befores);
      if (!before) continue;
      fallbacks.set(field.path, {
        path: text.path,
        label: `${field.label} inside ${text.label}`,
        ...(field.concept ? { concept: field.concept } : {}),
        kind: field.kind,
        extract: { from: text.path, before: escapeRegex(before), value: shape, after: '', flags: '', fromText: true, seen: befores.length, of: pairs.length },
        why: `in ${befores.length} of ${pairs.length} sampled rows with a ${field.label}, ${text.label} repeats it after "${before}"`,
      });
      break;
    }
  }
  return fallbacks;
}

/** A CSV row's value by header, trimmed; absent when empty. */
function read(record: SourceRecord, label: string): string | undefined {
  const value = record.data[label];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The regular expression for values that look like codes (references, ids): the
 * same length and alphabet in every sampled value. Free text is not a code.
 */
function codeShape(values: string[]): string | undefined {
  if (values.length === 0 || !values.every((v) => /^[A-Za-z0-9_-]{4,40}$/.test(v))) return undefined;
  const lengths = new Set(values.map((v) => v.length));
  const alphabet = values.every((v) => /^[A-Z0-9]+$/.test(v)) ? 'A-Z0-9' : values.every((v) => /^[a-z0-9]+$/.test(v)) ? 'a-z0-9' : 'A-Za-z0-9_-';
  // A code with letters and digits mixed; all-digit values are numbers, found better by other means.
  if (values.every((v) => /^\d+$/.test(v))) return undefined;
  return lengths.size === 1 ? `[${alphabet}]{${[...lengths][0]}}` : `[${alphabet}]+`;
}

/** The words right before the value that every sample shares (`Booking `), if any. */
function commonWordsBefore(befores: string[]): string | undefined {
  let common = befores[0] ?? '';
  for (const b of befores) {
    let n = 0;
    while (n < common.length && n < b.length && common[common.length - 1 - n] === b[b.length - 1 - n]) n++;
    common = common.slice(common.length - n);
  }
  // Start at a word boundary in every sample: `Booking `, not `ooking ` from `booking `.
  const alnum = (ch: string | undefined) => ch !== undefined && /[A-Za-z0-9]/.test(ch);
  while (common.length && alnum(common[0]) && befores.some((b) => alnum(b[b.length - common.length - 1]))) {
    common = common.replace(/^[A-Za-z0-9]+/, '');
  }
  // Only the last word and what follows it: earlier words vary more than the sample shows.
  const before = /[A-Za-z][A-Za-z0-9]*[^A-Za-z0-9]*$/.exec(common)?.[0];
  return before && /[A-Za-z]{2}/.test(before) ? before : undefined;
}
