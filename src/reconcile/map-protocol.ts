import type { CandidatePrep } from './prepared.js';
import type { MappedTableShape, MapTallyData } from './record-mapper.js';

/** Between stored candidates in a chunk's result: a control character never occurs raw in JSON text. */
export const CANDIDATE_SEPARATOR = '\u0001';

/** What a mapping worker is started with: everything it needs to map on its own. */
export interface MapWorkerData {
  file: string;
  mappingFiles: Array<{ file: string; text: string }>;
  shapes: MappedTableShape[];
  /** Secrets from salvage.yaml: a candidate holding one is refused in the worker too. */
  secrets: string[];
}

/** Map bytes [start, end) of the file, which begin and end at line boundaries. */
export interface ChunkRequest {
  chunk: number;
  start: number;
  end: number;
}

export interface ChunkResult {
  chunk: number;
  /** Lines in the chunk, blank ones included: the next chunk's line numbers start after them. */
  lines: number;
  /** Per candidate, in record order: the index of its table in the shapes, and its stored form. */
  tables: number[];
  /**
   * Their stored forms joined by CANDIDATE_SEPARATOR: one string to clone instead of ten
   * thousand, and the main thread's pieces of it are slices, not copies its young
   * generation must move (the main thread must not compete with the workers for the CPU).
   */
  candidates: string;
  /** Their preps, flattened (plain arrays clone far faster than an object per candidate). */
  preps: FlatPreps;
  /**
   * Natural keys asked of each lookup index: those this worker has not sent before (it may
   * send one again). Each worker maps its chunks in file order, so a key first asked in this
   * chunk is sent with it, and the main thread's sets fill in the same order as inline.
   */
  requested: Array<[string, string[]]>;
  tally: MapTallyData;
  /** The chunk stopped at this line (1-based within the chunk). */
  error?: { line: number; reason: string; unexpected?: boolean };
}

/**
 * CandidatePreps as parallel arrays: the keys of all, one after another, with each one's
 * count (-1: unknown). A digest's column set is sent once per chunk and named by its
 * position: nearly every candidate of a table has the same one, and one string per
 * candidate was a million strings to clone and hash again on the main thread.
 */
export interface FlatPreps {
  keyCounts: number[];
  keys: string[];
  /** The column sets of the chunk's digests, each joined by NUL. */
  digestSets: string[];
  /** Per candidate, its digest's column set (a position in digestSets), -1 without a digest. */
  digestSet: number[];
  digestA: number[];
  digestB: number[];
  lookups: boolean[];
}

/** Flattens the preps of one chunk's candidates, in order. */
export class FlatPrepsBuilder {
  readonly flat: FlatPreps = { keyCounts: [], keys: [], digestSets: [], digestSet: [], digestA: [], digestB: [], lookups: [] };
  private readonly setIndex = new Map<string, number>();
  private lastColumns: string | undefined;
  private lastSet = -1;

  push(prep: CandidatePrep): void {
    const flat = this.flat;
    const keys = prep.keys;
    if (keys === undefined) flat.keyCounts.push(-1);
    else if (typeof keys === 'string') {
      flat.keyCounts.push(1);
      flat.keys.push(keys);
    } else {
      flat.keyCounts.push(keys.length);
      for (const k of keys) flat.keys.push(k);
    }
    const digest = prep.digest;
    flat.digestSet.push(digest ? this.setOf(typeof digest.columns === 'string' ? digest.columns : digest.columns.join('\u0000')) : -1);
    flat.digestA.push(digest?.a ?? 0);
    flat.digestB.push(digest?.b ?? 0);
    flat.lookups.push(prep.lookups);
  }

  private setOf(columns: string): number {
    // The mapper hands the same string for the same set again and again: no hashing then.
    if (columns === this.lastColumns) return this.lastSet;
    let set = this.setIndex.get(columns);
    if (set === undefined) {
      set = this.flat.digestSets.length;
      this.flat.digestSets.push(columns);
      this.setIndex.set(columns, set);
    }
    this.lastColumns = columns;
    this.lastSet = set;
    return set;
  }
}

/**
 * Reads the preps back in order, into one reused object: the main thread takes in a
 * million of them while the workers map, and must not compete with them for the CPU.
 * A single key stays a string and the digest's columns stay joined.
 */
export function forEachPrep(flat: FlatPreps, fn: (i: number, prep: CandidatePrep) => void): void {
  const prep: CandidatePrep = { keys: undefined, digest: undefined, lookups: false };
  const digest = { a: 0, b: 0, columns: '' as string | string[] };
  let k = 0;
  for (let i = 0; i < flat.keyCounts.length; i++) {
    const count = flat.keyCounts[i] as number;
    prep.keys = count < 0 ? undefined : count === 1 ? (flat.keys[k] as string) : flat.keys.slice(k, k + count);
    if (count > 0) k += count;
    const set = flat.digestSet[i] as number;
    if (set < 0) prep.digest = undefined;
    else {
      digest.a = flat.digestA[i] as number;
      digest.b = flat.digestB[i] as number;
      digest.columns = flat.digestSets[set] as string;
      prep.digest = digest;
    }
    prep.lookups = flat.lookups[i] === true;
    fn(i, prep);
  }
}
