import type { CatalogColumn } from '../db/catalog-types.js';
import { comparisonKey } from '../values/normalize.js';

/**
 * A match key as one string: which of the mapping's keys it is, and its values as
 * PostgreSQL compares them. Candidates and backup rows with the same string are the
 * same row.
 */
function keyString(index: number, values: string[]): string {
  return `${index}\u0001${values.join('\u0001')}`;
}

/** The match keys a candidate's texts give (a key with a column missing gives none). */
export function candidateKeys(text: (column: string) => string | undefined, matchKeys: string[][], columns: Map<string, CatalogColumn>): string[] {
  const keys: string[] = [];
  matchKeys.forEach((key, i) => {
    const values = key.map((c) => text(c));
    if (values.every((v) => v !== undefined)) {
      keys.push(keyString(i, values.map((v, j) => comparisonKey(columns.get(key[j] as string) as CatalogColumn, v as string))));
    }
  });
  return keys;
}

/** The match keys of a backup row. */
export function rowKeys(row: Record<string, string | null>, matchKeys: string[][], columns: Map<string, CatalogColumn>): string[] {
  const [only, ...others] = matchKeys;
  if (only?.length === 1 && others.length === 0) {
    // The usual case, once per backup row: one key of one column.
    const column = only[0] as string;
    const value = row[column];
    return value == null ? [] : [keyString(0, [comparisonKey(columns.get(column) as CatalogColumn, value)])];
  }
  const keys: string[] = [];
  matchKeys.forEach((key, i) => {
    const values = key.map((c) => row[c]);
    if (values.every((v) => v != null)) {
      keys.push(keyString(i, values.map((v, j) => comparisonKey(columns.get(key[j] as string) as CatalogColumn, v as string))));
    }
  });
  return keys;
}
