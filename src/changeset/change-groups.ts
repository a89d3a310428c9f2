import type { ChangeKind } from './changeset.js';

/**
 * Items (changes, or where they are) by the table and kind of their change, each group
 * in the order its items were added, the groups in the order they first appeared: the
 * order reports and the patch walk a changeset in.
 */
export class ChangeGroups<T> {
  private readonly groups = new Map<string, { table: string; kind: ChangeKind; items: T[] }>();

  add(table: string, kind: ChangeKind, item: T): void {
    // NUL cannot occur in a table name PostgreSQL accepts, so the pair cannot be mistaken.
    const key = `${table}\u0000${kind}`;
    const group = this.groups.get(key);
    if (group) group.items.push(item);
    else this.groups.set(key, { table, kind, items: [item] });
  }

  get(table: string, kind: ChangeKind): readonly T[] {
    return this.groups.get(`${table}\u0000${kind}`)?.items ?? [];
  }

  /** Every group, in the order its first item came. */
  all(): Iterable<{ table: string; kind: ChangeKind; items: readonly T[] }> {
    return this.groups.values();
  }
}
