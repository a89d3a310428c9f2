import type { ChangeKind } from './changeset.js';
import { IntList } from '../runtime/int-list.js';

/**
 * Ordinals of changes by the table and kind of their change, each group in the order its
 * ordinals were added: ChangeGroups for numbers, four bytes an item in a typed array
 * where an array of numbers takes eight to sixteen as it grows. A patch of ten million
 * rows holds one per row.
 */
export class OrdinalGroups {
  private readonly groups = new Map<string, IntList>();

  add(table: string, kind: ChangeKind, ordinal: number): void {
    // NUL cannot occur in a table name PostgreSQL accepts, so the pair cannot be mistaken.
    const key = `${table}\u0000${kind}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new IntList()));
    group.push(ordinal);
  }

  /** The group's ordinals as added (a view: read once every ordinal is in). */
  get(table: string, kind: ChangeKind): Int32Array {
    return this.groups.get(`${table}\u0000${kind}`)?.view() ?? EMPTY;
  }
}

const EMPTY = new Int32Array(0);
