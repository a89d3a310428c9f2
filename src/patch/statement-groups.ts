import type { TableSummary } from '../changeset/changeset.js';
import type { TypedColumn } from '../sql/dml.js';

/** Columns with the format_type text the changeset recorded for them. */
export function typed(table: TableSummary, columns: string[]): TypedColumn[] {
  return columns.map((name) => ({ name, type: table.columns[name] ?? 'text' }));
}

/** Groups changes by the columns they touch, so each group is one set-based statement; groups in order of first appearance. */
export function bySignature(ordinals: readonly number[], columns: (ordinal: number) => readonly string[]): Map<string, { columns: string[]; ordinals: number[] }> {
  const groups = new Map<string, { columns: string[]; ordinals: number[] }>();
  for (const i of ordinals) {
    const cols = columns(i);
    const signature = cols.join('\u0000');
    const group = groups.get(signature) ?? { columns: [...cols], ordinals: [] };
    group.ordinals.push(i);
    groups.set(signature, group);
  }
  return groups;
}

/** Consecutive slices of at most `size` items. */
export function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
