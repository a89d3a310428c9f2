import type { CatalogTable } from '../db/catalog-types.js';
import { tableKey } from '../db/catalog.js';
import type { TableSample } from './column-samples.js';
import type { RecordFamily } from './families.js';
import { naturalKeys } from './natural-keys.js';
import { recordPaths, type PathValues } from './record-paths.js';
import type { MatchHow } from './value-match.js';

/**
 * The backup's own evidence for a guess: how many of the values a family's sampled
 * records carry at a path are values a column of the backup already holds. A field
 * whose values the column has is the column's field, whatever either is called; a
 * family none of whose records is a row of a table does not describe that table.
 */
export interface FieldScore {
  path: string;
  /** Distinct sampled values found in the column. */
  matched: number;
  /** Distinct sampled values measured. */
  of: number;
  /** How most of them matched (the same text, another case, cents...). */
  how: MatchHow;
  /** `payments.charge_id`, for comments. */
  column: string;
}

/** Fewer matches than this are chance (two customers named Anna), not evidence. */
export const MIN_MATCHES = 2;
/** Small numbers (a sequence 0, a count 3) equal small keys by chance: not measured. */
const SMALL_NUMBER = 10;

export function share(score: FieldScore): number {
  return score.of === 0 ? 0 : score.matched / score.of;
}

/** `97% of 312 sampled values match payments.charge_id`, with the normalisation when it took one. */
export function describeScore(score: FieldScore): string {
  const how: Record<MatchHow, string> = {
    exact: '',
    case: ' (ignoring case)',
    cents: ' (as cents of its amounts)',
    decimal: ' (its amounts in cents)',
    time: ' (the same instant)',
    date: ' (the same day)',
  };
  const percent = Math.floor(share(score) * 100);
  return `${percent}% of ${score.of} sampled value${score.of === 1 ? '' : 's'} match ${score.column}${how[score.how]}`;
}

export class Evidence {
  private readonly paths = new Map<string, PathValues>();
  private readonly scores = new Map<string, FieldScore | null>();

  constructor(private readonly tables: ReadonlyMap<string, TableSample>) {}

  /** Whether the family's records and the column's values are both there to measure. */
  measurable(table: CatalogTable, column: string, family: RecordFamily): boolean {
    return (family.sample?.length ?? 0) > 0 && (this.tables.get(tableKey(table))?.columns.get(column)?.size ?? 0) >= MIN_MATCHES;
  }

  /** Whether the family's sample holds values at this path at all. */
  sampled(family: RecordFamily, path: string): boolean {
    return (this.pathsOf(family).get(path)?.size ?? 0) > 0;
  }

  /** The distinct values sampled at a path. */
  valuesAt(family: RecordFamily, path: string): Array<string | number> {
    return [...(this.pathsOf(family).get(path) ?? [])];
  }

  /** The path's score against the column; undefined when either side has nothing to measure. */
  score(table: CatalogTable, column: string, family: RecordFamily, path: string): FieldScore | undefined {
    const key = `${tableKey(table)}\u0000${column}\u0000${family.name}\u0000${path}`;
    const cached = this.scores.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const measured = this.measure(table, column, family, path);
    this.scores.set(key, measured ?? null);
    return measured;
  }

  /** Every path of the family with evidence for the column, the best first. */
  ranked(table: CatalogTable, column: string, family: RecordFamily): FieldScore[] {
    if (!this.measurable(table, column, family)) return [];
    return [...this.pathsOf(family).keys()]
      .map((path) => this.score(table, column, family, path))
      .filter((s): s is FieldScore => s !== undefined && s.matched >= MIN_MATCHES)
      .sort((a, b) => share(b) - share(a) || b.matched - a.matched || a.path.length - b.path.length);
  }

  /**
   * How many of the family's records are rows the table already has, through the
   * best of the table's single-column unique keys; undefined when nothing could be
   * measured (no sample, an empty table).
   */
  rowOverlap(table: CatalogTable, family: RecordFamily): FieldScore | undefined {
    const keys = [...(table.primaryKey.length === 1 ? [table.primaryKey] : []), ...naturalKeys(table)].filter((k) => k.length === 1).map((k) => k[0] as string);
    let best: FieldScore | undefined;
    let measured = false;
    for (const key of keys) {
      if (!this.measurable(table, key, family)) continue;
      measured = true;
      const top = this.ranked(table, key, family)[0];
      if (top && (!best || top.matched > best.matched)) best = top;
    }
    if (best) return best;
    return measured ? { path: '', matched: 0, of: family.sample?.length ?? 0, how: 'exact', column: `${table.name}.${keys.join('/')}` } : undefined;
  }

  private pathsOf(family: RecordFamily): PathValues {
    let paths = this.paths.get(family.name);
    if (!paths) this.paths.set(family.name, (paths = recordPaths(family.sample ?? [])));
    return paths;
  }

  private measure(table: CatalogTable, column: string, family: RecordFamily, path: string): FieldScore | undefined {
    const values = this.tables.get(tableKey(table))?.columns.get(column);
    const sampled = this.pathsOf(family).get(path);
    if (!values || values.size === 0 || !sampled) return undefined;
    let of = 0;
    let matched = 0;
    const hows = new Map<MatchHow, number>();
    for (const value of sampled) {
      if (typeof value === 'number' && Math.abs(value) < SMALL_NUMBER) continue;
      of++;
      const how = values.find(value);
      if (how === undefined) continue;
      matched++;
      hows.set(how, (hows.get(how) ?? 0) + 1);
    }
    if (of === 0) return undefined;
    const how = [...hows.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'exact';
    return { path, matched, of, how, column: `${table.name}.${column}` };
  }
}
