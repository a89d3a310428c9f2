import type { TableSummary } from '../changeset/changeset.js';
import type { TypedColumn } from '../sql/dml.js';
import type { Ordinals } from './accepted-changes.js';

/** Columns with the format_type text the changeset recorded for them. */
export function typed(table: TableSummary, columns: string[]): TypedColumn[] {
  return columns.map((name) => ({ name, type: table.columns[name] ?? 'text' }));
}

/**
 * Groups changes by the columns they touch, so each group is one set-based statement; groups in order of first appearance.
 * Rows read back from a spill share one array per set of columns: each array is joined into its signature once.
 * When every row has the same columns (a recovery's new rows, mostly), the one group is
 * `ordinals` itself, not a copy of ten million numbers.
 */
export function bySignature(ordinals: Ordinals, columns: (ordinal: number) => readonly string[]): Map<string, { columns: string[]; ordinals: Ordinals }> {
  const groups = new Map<string, { columns: string[]; size: number; at: number; ordinals: Int32Array | undefined }>();
  const joined = new Map<readonly string[], { columns: string[]; size: number; at: number; ordinals: Int32Array | undefined }>();
  const groupOf = (i: number) => {
    const cols = columns(i);
    let group = joined.get(cols);
    if (!group) {
      const signature = cols.join('\u0000');
      group = groups.get(signature) ?? { columns: [...cols], size: 0, at: 0, ordinals: undefined };
      groups.set(signature, group);
      joined.set(cols, group);
    }
    return group;
  };
  // Counted first, filled after: each group's ordinals in one typed array of its size.
  for (const i of ordinals) groupOf(i).size++;
  const [only] = groups.values();
  if (only && groups.size === 1) return new Map([...groups].map(([signature, g]) => [signature, { columns: g.columns, ordinals }]));
  for (const i of ordinals) {
    const group = groupOf(i);
    group.ordinals ??= new Int32Array(group.size);
    group.ordinals[group.at++] = i;
  }
  return new Map([...groups].map(([signature, g]) => [signature, { columns: g.columns, ordinals: g.ordinals ?? new Int32Array(0) }]));
}

/** Consecutive slices of at most `size` items, each an array of its own. */
export function* chunksOf<T>(items: ArrayLike<T>, size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield Array.prototype.slice.call(items, start, start + size) as T[];
}

/** chunksOf over several lists one after the other, as if they were one (without making it). */
export function* chunksAcross<T>(lists: Iterable<ArrayLike<T>>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      chunk.push(list[i] as T);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (chunk.length) yield chunk;
}
