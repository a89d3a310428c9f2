import type { CatalogColumn } from '../db/catalog-types.js';
import { comparisonKey } from '../values/normalize.js';
import { foldColumn } from '../runtime/lane-hash.js';
import type { CandidatePrep, ColumnTexts, PreparedCandidate } from './prepared.js';

/**
 * Works out a fresh candidate's keys and digest (its CandidatePrep) for one table: the
 * same keys as candidateKeys and the same digest as digestOfTexts, made for a million
 * candidates without a closure or an array each. The digest's columns come joined by
 * NUL, as CandidateStore and the mapping workers take them; most candidates of a table
 * give the same columns, so the joined text is made once for all of them.
 */
export class PrepMaker {
  private readonly keyColumns: CatalogColumn[][];
  private readonly lanes = { a: 0, b: 0 };
  /** The columns of the digest being made, then those of the last one made. */
  private columnsSeen: string[] = [];
  private lastColumns: string[] = [];
  private lastJoined = '';
  private count = 0;
  private sameAsLast = true;
  private readonly fold = (column: string, text: string): void => {
    foldColumn(this.lanes, column, comparisonKey(this.columns.get(column) as CatalogColumn, text));
    if (this.sameAsLast && this.lastColumns[this.count] !== column) this.sameAsLast = false;
    this.columnsSeen[this.count++] = column;
  };

  constructor(
    private readonly columns: Map<string, CatalogColumn>,
    matchKeys: string[][],
    /** A key column is looked up: the keys are known only once the parents are. */
    private readonly keysNeedParents: boolean,
  ) {
    this.keyColumns = matchKeys.map((key) => key.map((name) => columns.get(name) as CatalogColumn));
  }

  prep(candidate: PreparedCandidate): CandidatePrep {
    return {
      keys: this.keysNeedParents ? undefined : this.keysOf(candidate.texts),
      // A candidate with a problem has no digest: it never passes as unchanged, the full merge reports it.
      digest: candidate.problems.size ? undefined : this.digestOf(candidate.texts),
      lookups: candidate.lookups !== undefined,
    };
  }

  /** The match keys the texts give, as candidateKeys makes them (a key with a column missing gives none). */
  private keysOf(texts: ColumnTexts): string[] {
    const keys: string[] = [];
    for (let i = 0; i < this.keyColumns.length; i++) {
      const key = this.keyColumns[i] as CatalogColumn[];
      let text = `${i}\u0001`;
      let complete = true;
      for (let j = 0; j < key.length; j++) {
        const column = key[j] as CatalogColumn;
        const value = texts.get(column.name);
        if (value === undefined) {
          complete = false;
          break;
        }
        const compared = comparisonKey(column, value);
        text = j === 0 ? `${text}${compared}` : `${text}\u0001${compared}`;
      }
      if (complete) keys.push(text);
    }
    return keys;
  }

  private digestOf(texts: ColumnTexts): { a: number; b: number; columns: string } {
    this.lanes.a = 0;
    this.lanes.b = 0;
    this.count = 0;
    this.sameAsLast = true;
    texts.forEachText(this.fold);
    if (!this.sameAsLast || this.count !== this.lastColumns.length) {
      // Swapped, not copied: the columns just seen become the last ones.
      const seen = this.columnsSeen;
      seen.length = this.count;
      this.columnsSeen = this.lastColumns;
      this.lastColumns = seen;
      this.lastJoined = seen.join('\u0000');
    }
    return { a: this.lanes.a, b: this.lanes.b, columns: this.lastJoined };
  }
}
