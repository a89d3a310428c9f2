import type { SourceRecord } from '../records/envelope.js';
import { fieldPath } from './yaml-text.js';

/**
 * Every leaf a family's sampled records carry, by the path a rule would read it with
 * (`data.attendees[0].email`, `data["Submitted At"]`, `createdAt`), with its distinct
 * values: what init measures against the backup's columns. Bounded: the first items
 * of a list, a few levels deep, short texts only (a description is not a key).
 */
const MAX_DEPTH = 4;
const LIST_ITEMS = 2;
const MAX_TEXT = 200;

export type PathValues = Map<string, Set<string | number>>;

export function recordPaths(records: readonly SourceRecord[]): PathValues {
  const paths: PathValues = new Map();
  const add = (path: string, value: string | number) => {
    let set = paths.get(path);
    if (!set) paths.set(path, (set = new Set()));
    set.add(value);
  };
  const walk = (value: unknown, segments: Array<string | number>, depth: number): void => {
    if (typeof value === 'string') {
      if (value.trim() !== '' && value.length <= MAX_TEXT) add(fieldPath(segments), value);
    } else if (typeof value === 'number') {
      if (Number.isFinite(value)) add(fieldPath(segments), value);
    } else if (depth < MAX_DEPTH && Array.isArray(value)) {
      value.slice(0, LIST_ITEMS).forEach((item, i) => walk(item, [...segments, i], depth + 1));
    } else if (depth < MAX_DEPTH && value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, [...segments, key], depth + 1);
    }
  };
  for (const record of records) {
    if (record.createdAt) add('createdAt', record.createdAt);
    if (record.updatedAt) add('updatedAt', record.updatedAt);
    walk(record.data, ['data'], 0);
  }
  return paths;
}
