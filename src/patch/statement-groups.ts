import type { TableSummary } from '../changeset/changeset.js';
import type { TypedColumn } from '../sql/dml.js';

/** Columns with the format_type text the changeset recorded for them. */
export function typed(table: TableSummary, columns: string[]): TypedColumn[] {
  return columns.map((name) => ({ name, type: table.columns[name] ?? 'text' }));
}

/**
 * Groups changes by the columns they touch, so each group is one set-based statement; groups in order of first appearance.
 * Rows read back from a spill share one array per set of columns: each array is joined into its signature once.
 */
export function bySignature(ordinals: readonly number[], columns: (ordinal: number) => readonly string[]): Map<string, { columns: string[]; ordinals: number[] }> {
  const groups = new Map<string, { columns: string[]; ordinals: number[] }>();
  const joined = new Map<readonly string[], { columns: string[]; ordinals: number[] }>();
  for (const i of ordinals) {
    const cols = columns(i);
    let group = joined.get(cols);
    if (!group) {
      const signature = cols.join('\u0000');
      group = groups.get(signature) ?? { columns: [...cols], ordinals: [] };
      groups.set(signature, group);
      joined.set(cols, group);
    }
    group.ordinals.push(i);
  }
  return groups;
}

/** Consecutive slices of at most `size` items. */
export function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
