import { hash } from 'node:crypto';
import type { CatalogColumn } from '../db/catalog-types.js';
import { comparisonKey } from './normalize.js';
import type { PreparedCandidate } from './prepared.js';

const DIGEST_BYTES = 20; // SHA-1: no accidental collision in any table salvage will see

/**
 * What each candidate says, reduced to a digest of its values as PostgreSQL compares
 * them (90 = 90.00), so that the backup scan can tell "this row is exactly what the
 * record says" without holding the candidate. Most records of a real recovery describe
 * rows the backup already has; they are settled by 28 bytes each instead of the whole
 * candidate (issue 7: peak memory). A candidate with a problem never matches: it always
 * goes through the full merge, which reports the problem.
 */
export class Fingerprints {
  private readonly digests: Buffer;
  private readonly columnSets: Uint32Array;
  private readonly clean: Uint8Array;
  private readonly sets: string[][] = [];
  private readonly setIndex = new Map<string, number>();

  constructor(
    size: number,
    private readonly columns: Map<string, CatalogColumn>,
  ) {
    this.digests = Buffer.alloc(size * DIGEST_BYTES);
    this.columnSets = new Uint32Array(size);
    this.clean = new Uint8Array(size);
  }

  note(i: number, candidate: PreparedCandidate): void {
    if (candidate.problems.size) return;
    const names: string[] = [];
    const keys: string[] = [];
    for (const [column, text] of candidate.texts.entries()) {
      names.push(column);
      keys.push(comparisonKey(this.columns.get(column) as CatalogColumn, text));
    }
    this.columnSets[i] = this.internSet(names);
    digestOf(keys).copy(this.digests, i * DIGEST_BYTES);
    this.clean[i] = 1;
  }

  /** True when every value candidate `i` gives equals the row's, as PostgreSQL compares them. */
  matches(i: number, row: Record<string, string | null>): boolean {
    if (!this.clean[i]) return false;
    const names = this.sets[this.columnSets[i] as number] as string[];
    const keys = names.map((c) => comparisonKey(this.columns.get(c) as CatalogColumn, row[c] ?? null));
    return digestOf(keys).equals(this.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES));
  }

  private internSet(names: string[]): number {
    const key = names.join('\u0000');
    let at = this.setIndex.get(key);
    if (at === undefined) {
      at = this.sets.length;
      this.sets.push(names);
      this.setIndex.set(key, at);
    }
    return at;
  }
}

function digestOf(keys: string[]): Buffer {
  // JSON keeps the boundaries between values unambiguous, whatever they contain.
  return hash('sha1', JSON.stringify(keys), 'buffer') as unknown as Buffer;
}
