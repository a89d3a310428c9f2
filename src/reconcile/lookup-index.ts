import type { CatalogColumn } from '../db/catalog-types.js';
import { comparisonKey } from '../values/normalize.js';

/**
 * Natural key -> parent key, for one (parent table, by column, referenced column).
 * Filled from the backup (only the keys children asked for) and from the rows
 * rebuilt in this run; an entry can also say why the parent cannot be had.
 *
 * A natural key that more than one row has (two backup rows, a soft-deleted one and a
 * live one under a partial unique index, a backup row and a new row rebuilt in this
 * run) is ambiguous: it resolves to a reason that names the rows, never to one of them.
 * A row rebuilt in this run that is a backup row (an update of it) is that row, not a
 * second one.
 */
export type LookupEntry = { value: string } | { reason: string };

/** A row rebuilt in this run: which row it is, and the backup row it is, if any (by its referenced value there). */
export interface RebuiltRow {
  /** The change's id (`public.patients#12`, `public.patients@email=...`). */
  row: string;
  /** The backup row's referenced value when this change is of that row (an update): it replaces it. */
  replaces?: string;
}

/** A row found under a natural key that is not a plain backup row. */
interface Found {
  entry: LookupEntry;
  /** Which row: a change id for a rebuilt row. */
  row: string;
  /** The backup row it is, by its referenced value, if any. */
  replaces: string | undefined;
}

/** A backup row is held as its referenced value alone: that value names the row (it is unique, as a foreign key's target must be). */
type Held = string | Found;

export class LookupIndex {
  /** Natural keys that some child candidate asked for; the backup scan keeps only these. */
  readonly requested = new Set<string>();
  /** The one row found so far per natural key (most of them: a string per key keeps millions of keys flat). */
  private readonly entries = new Map<string, Held>();
  /** Natural keys more than one row has, with every row found: rare, so apart from the rest. */
  private readonly ambiguous = new Map<string, Held[]>();
  /** See filled(). */
  private closed = false;

  /**
   * @param by the column looked up by, or the name of several (`(a, b)`)
   * @param columns the parent columns a natural key is made of, in order
   * @param keepsAll index every row, not only the keys children asked for: a key made of
   *   a value that is itself looked up is known only once its own parent is
   */
  constructor(
    readonly parentTable: string,
    readonly by: string,
    readonly refColumn: string,
    readonly columns: readonly string[] = [by],
    readonly keepsAll = false,
  ) {}

  /**
   * Every row the index can hold is in it (its table's backup was scanned and its rebuilt
   * rows registered): the natural keys children asked for, which chose the rows to keep,
   * are let go (a million parents' keys are some 80 MB), and no row is taken from here on.
   */
  filled(): void {
    this.requested.clear();
    this.closed = true;
  }

  /** Whether a child may ask for this natural key (the scans keep only those). */
  wants(naturalKey: string): boolean {
    return !this.closed && (this.keepsAll || this.requested.has(naturalKey));
  }

  /**
   * A row's natural key as this index compares it (each column's comparison key, joined
   * for several), or undefined when a column of it is NULL.
   */
  naturalKeyOf(read: (column: string) => string | null | undefined, meta: (column: string) => CatalogColumn | undefined): string | undefined {
    if (this.columns.length === 1) {
      const value = read(this.columns[0] as string);
      const column = meta(this.columns[0] as string);
      return value == null || !column ? undefined : comparisonKey(column, value);
    }
    const parts: string[] = [];
    for (const name of this.columns) {
      const value = read(name);
      const column = meta(name);
      if (value == null || !column) return undefined;
      parts.push(comparisonKey(column, value));
    }
    return joinKeyParts(parts);
  }

  static keyOf(parentTable: string, by: string, refColumn: string): string {
    return `${parentTable}\u0000${by}\u0000${refColumn}`;
  }

  /**
   * A row that has this natural key: a backup row (no `rebuilt`), or a row rebuilt in
   * this run. Another row with the same natural key makes it ambiguous.
   */
  set(naturalKey: string, entry: LookupEntry, rebuilt?: RebuiltRow): void {
    const held: Held = rebuilt ? { entry, row: rebuilt.row, replaces: rebuilt.replaces } : 'value' in entry ? entry.value : { entry, row: entry.reason, replaces: undefined };
    const several = this.ambiguous.get(naturalKey);
    const first = this.entries.get(naturalKey);
    if (!several && first === undefined) {
      this.entries.set(naturalKey, held);
      return;
    }
    const rows = merge(several ?? [first as Held], held);
    if (rows.length === 1) {
      this.ambiguous.delete(naturalKey);
      this.entries.set(naturalKey, rows[0] as Held);
    } else {
      this.ambiguous.set(naturalKey, rows);
      this.entries.delete(naturalKey);
    }
  }

  /**
   * @param shownAs the key as the message shows it (a key of several columns is not
   * readable as compared); made only for a message, since this runs for every lookup
   */
  resolve(naturalKey: string, shownAs?: string): LookupEntry {
    const held = this.entries.get(naturalKey);
    if (held !== undefined) return typeof held === 'string' ? { value: held } : held.entry;
    const shown = shownAs ?? JSON.stringify(naturalKey);
    const several = this.ambiguous.get(naturalKey);
    if (several) {
      return {
        reason: `${this.by} = ${shown} matches ${several.length} ${this.parentTable} rows (${several.map((h) => this.describe(h)).join('; ')}); salvage does not pick one: fix the duplicate, or look the parent up by a column that tells them apart`,
      };
    }
    return { reason: `no ${this.parentTable} row with ${this.by} = ${shown} in the backup or among the recovered rows` };
  }

  private describe(held: Held): string {
    if (typeof held === 'string') return `${this.refColumn} ${held} in the backup`;
    if ('reason' in held.entry) return held.entry.reason;
    return `${held.row}, rebuilt in this run`;
  }
}

/** The rows found so far with one more: it replaces the backup row it is, and the same row seen again. */
function merge(rows: Held[], held: Held): Held[] {
  const identity = (h: Held) => (typeof h === 'string' ? h : h.row);
  const replaced = typeof held === 'string' ? undefined : held.replaces;
  const kept = rows.filter((h) => identity(h) !== identity(held) && !(replaced !== undefined && typeof h === 'string' && h === replaced));
  kept.push(held);
  return kept;
}

/** A natural key of several columns: their comparison keys, joined by a character no comparison key has. */
export function joinKeyParts(parts: string[]): string {
  return parts.join('\u0001');
}
