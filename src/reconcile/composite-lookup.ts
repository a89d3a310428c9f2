import type { CatalogColumn } from '../db/catalog-types.js';
import { joinKeyParts, type LookupIndex } from './lookup-index.js';
import { comparisonKey, toColumnText } from '../values/normalize.js';

/** One column of a lookup by several, ready to compare: its type, and the index its own lookup resolves in, if any. */
export interface CompositePart {
  column: string;
  meta: CatalogColumn;
  nested?: { by: CatalogColumn; index: LookupIndex | undefined };
}

/**
 * The natural key of a lookup by several columns, as its index compares it, from the
 * values a rule gave (a JSON array, see the mapping's evaluate). A part that is looked
 * up itself is resolved first, in its own parent's index: a practitioner's e-mail
 * becomes that practitioner's key (a row rebuilt in this run with a key made at apply
 * time included), which is what the parent rows hold. `shown` is the key as people
 * read it, for messages.
 */
export function compositeNaturalKey(parts: readonly CompositePart[], rawKey: string): { key: string; shown: string } | { reason: string } {
  let values: unknown;
  try {
    values = JSON.parse(rawKey);
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== parts.length) return { reason: `the lookup key ${rawKey} does not have ${parts.length} parts` };
  const keys: string[] = [];
  for (const [i, part] of parts.entries()) {
    const given = String(values[i]);
    let text: string;
    if (part.nested) {
      const by = toColumnText(part.nested.by, given);
      if (!by.ok) return { reason: `${part.column}: ${by.error}` };
      const entry = part.nested.index ? part.nested.index.resolve(comparisonKey(part.nested.by, by.text)) : { reason: 'lookup index missing' };
      if ('reason' in entry) return { reason: `${part.column}: ${entry.reason}` };
      text = entry.value;
    } else {
      const own = toColumnText(part.meta, given);
      if (!own.ok) return { reason: `${part.column}: ${own.error}` };
      text = own.text;
    }
    keys.push(comparisonKey(part.meta, text));
  }
  return { key: joinKeyParts(keys), shown: `(${values.map((v) => JSON.stringify(String(v))).join(', ')})` };
}
