import type { CatalogColumn } from '../db/catalog-types.js';
import { comparisonKey } from '../values/normalize.js';
import { foldColumn } from '../runtime/lane-hash.js';

/**
 * What one candidate says, as a 64-bit digest: for each column it gives, a hash of the
 * column's name and the value as PostgreSQL compares it (90 = 90.00), folded together
 * with XOR. XOR lets the digest be made in parts: the mapping worker folds in the
 * columns it knows, reconcile folds in the looked-up ones once their parents are known.
 *
 * A digest is only ever compared with that of the one backup row its key matched, over
 * the same columns, so a false "unchanged" needs that very pair to collide: about 1 in
 * 2^64 per row (a cryptographic hash cost a third of reconcile).
 */
export class ValueDigest {
  a = 0;
  b = 0;
  readonly columns: string[] = [];

  add(column: string, key: string): void {
    foldColumn(this, column, key);
    this.columns.push(column);
  }
}

/** The digest of a candidate's texts ([column, text] pairs), every column folded in. */
export function digestOfTexts(texts: { forEachText(fn: (column: string, text: string) => void): void }, columns: Map<string, CatalogColumn>): ValueDigest {
  const digest = new ValueDigest();
  texts.forEachText((column, text) => digest.add(column, comparisonKey(columns.get(column) as CatalogColumn, text)));
  return digest;
}

/** Per candidate: a digest's two lanes and its column set (-1: no digest). */
export interface DigestArrays {
  a: Uint32Array;
  b: Uint32Array;
  sets: Int32Array;
}

/**
 * Digests of every candidate of a table, 12 bytes each, so that the backup scan can
 * tell "this row is exactly what the record says" without holding the candidate. Most
 * records of a real recovery describe rows the backup already has (memory).
 * A candidate without a digest (it has a problem) never matches: it always goes
 * through the full merge, which reports the problem.
 */
export class Fingerprints {
  private readonly digestA: Uint32Array;
  private readonly digestB: Uint32Array;
  /** The digest's column set; -1 where there is no digest. */
  private readonly columnSets: Int32Array;
  private readonly sets: CatalogColumn[][] = [];
  private readonly setIndex = new Map<string, number>();
  /** Reused by matches, which runs once per backup row. */
  private readonly scratch = { a: 0, b: 0 };

  /**
   * `storage`: arrays to keep the digests in, from the candidate store (whose digests are
   * read just before each is replaced): the store's 12 bytes a candidate are not held
   * twice. Their entries count as digests until `forget` or `note` replaces them.
   */
  constructor(
    size: number,
    private readonly columns: Map<string, CatalogColumn>,
    storage?: DigestArrays,
  ) {
    this.digestA = storage?.a ?? new Uint32Array(size);
    this.digestB = storage?.b ?? new Uint32Array(size);
    this.columnSets = storage?.sets ?? new Int32Array(size).fill(-1);
  }

  note(i: number, digest: { a: number; b: number; columns: string[] }): void {
    this.noteLanes(i, digest.a, digest.b, this.internSet(digest.columns));
  }

  /** The digest as lanes and a column set already interned (see setOf): nothing allocated per candidate. */
  noteLanes(i: number, a: number, b: number, set: number): void {
    this.columnSets[i] = set;
    this.digestA[i] = a;
    this.digestB[i] = b;
  }

  /** Candidate i has no digest (a problem): it never matches. */
  forget(i: number): void {
    this.columnSets[i] = -1;
  }

  /** The set of these columns, interned once per distinct key (callers cache `key`). */
  setOf(key: string, columns: () => string[]): number {
    let at = this.setIndex.get(key);
    if (at === undefined) {
      at = this.sets.length;
      this.sets.push(columns().map((n) => this.columns.get(n) as CatalogColumn));
      this.setIndex.set(key, at);
    }
    return at;
  }

  /** True when every value candidate `i` gives equals the row's, as PostgreSQL compares them. */
  matches(i: number, row: Record<string, string | null>): boolean {
    const at = this.columnSets[i] as number;
    if (at < 0) return false;
    const set = this.sets[at] as CatalogColumn[];
    const lanes = this.scratch;
    lanes.a = 0;
    lanes.b = 0;
    for (const column of set) foldColumn(lanes, column.name, comparisonKey(column, row[column.name] ?? null));
    return this.digestA[i] === lanes.a && this.digestB[i] === lanes.b;
  }

  /** Candidate `i`'s digest lanes and column set, or undefined when it has none (a problem): for a scan elsewhere. */
  digestOf(i: number): { a: number; b: number; set: number } | undefined {
    const set = this.columnSets[i] as number;
    if (set < 0) return undefined;
    return { a: this.digestA[i] as number, b: this.digestB[i] as number, set };
  }

  /** The columns of every interned set, by set number (a column may appear twice: it is folded twice). */
  internedSets(): CatalogColumn[][] {
    return this.sets;
  }

  private internSet(names: string[]): number {
    return this.setOf(`=${names.join('\u0000')}`, () => names);
  }
}
