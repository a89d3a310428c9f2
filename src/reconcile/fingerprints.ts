import type { CatalogColumn } from '../db/catalog-types.js';
import { comparisonKey } from './normalize.js';
import type { PreparedCandidate } from './prepared.js';

/**
 * 64 bits per candidate. A digest is only ever compared with the digest of the one
 * backup row the candidate's key matched, so a false "unchanged" needs that pair to
 * collide: about 1 in 2^64 per row (a cryptographic hash cost a third of reconcile).
 */
const LANES = 2;

/**
 * What each candidate says, reduced to a digest of its values as PostgreSQL compares
 * them (90 = 90.00), so that the backup scan can tell "this row is exactly what the
 * record says" without holding the candidate. Most records of a real recovery describe
 * rows the backup already has; they are settled by 12 bytes each instead of the whole
 * candidate (issue 7: peak memory). A candidate with a problem never matches: it always
 * goes through the full merge, which reports the problem.
 */
export class Fingerprints {
  private readonly digests: Uint32Array;
  private readonly columnSets: Uint32Array;
  private readonly clean: Uint8Array;
  private readonly sets: string[][] = [];
  private readonly setIndex = new Map<string, number>();

  constructor(
    size: number,
    private readonly columns: Map<string, CatalogColumn>,
  ) {
    this.digests = new Uint32Array(size * LANES);
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
    const [a, b] = digestOf(keys);
    this.digests[i * LANES] = a;
    this.digests[i * LANES + 1] = b;
    this.clean[i] = 1;
  }

  /** True when every value candidate `i` gives equals the row's, as PostgreSQL compares them. */
  matches(i: number, row: Record<string, string | null>): boolean {
    if (!this.clean[i]) return false;
    const names = this.sets[this.columnSets[i] as number] as string[];
    const keys = names.map((c) => comparisonKey(this.columns.get(c) as CatalogColumn, row[c] ?? null));
    const [a, b] = digestOf(keys);
    return this.digests[i * LANES] === a && this.digests[i * LANES + 1] === b;
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

function digestOf(keys: string[]): [number, number] {
  // JSON keeps the boundaries between values unambiguous, whatever they contain.
  const text = JSON.stringify(keys);
  // Two independent 32-bit lanes (cyrb53's mixing, without folding them into 53 bits).
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
