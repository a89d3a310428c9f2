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

/** What a worker is started with: the file already open, read by position (see mapFileInWorkers). */
export interface MapWorkerStart extends MapWorkerData {
  fd: number;
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
  /**
   * The stored forms of the candidates, in record order, joined by CANDIDATE_SEPARATOR: one string to clone instead of ten
   * thousand, and the main thread's pieces of it are slices, not copies its young
   * generation must move (the main thread must not compete with the workers for the CPU).
   */
  candidates: string;
  /** Their tables and preps, flattened (see FlatPreps). */
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

/** Numbers per candidate in FlatPreps.numbers. */
const FIELDS = 6;
const TABLE = 0;
const KEY_COUNT = 1;
const DIGEST_SET = 2;
const DIGEST_A = 3;
const DIGEST_B = 4;
const LOOKUPS = 5;

/**
 * The tables and CandidatePreps of a chunk's candidates, flattened: an object per
 * candidate clones slowly, and so does an array of numbers, number by number; a typed
 * array is copied in one piece. A digest's column set is sent once per chunk and named
 * by its position: nearly every candidate of a table has the same one, and a string per
 * candidate was a million strings to clone and hash again on the main thread.
 */
export interface FlatPreps {
  /**
   * FIELDS numbers per candidate: the index of its table in the shapes, its count of keys
   * (-1: unknown), its digest's column set (-1: no digest), the digest's two lanes (as
   * int32), and 1 when it asks its parents for lookups.
   */
  numbers: Int32Array;
  /** The keys of all candidates, one after another. */
  keys: string[];
  /** The column sets of the chunk's digests, each joined by NUL. */
  digestSets: string[];
}

/** Flattens the tables and preps of one chunk's candidates, in order. */
export class FlatPrepsBuilder {
  private numbers = new Int32Array(FIELDS * 256);
  private count = 0;
  private readonly keys: string[] = [];
  private readonly digestSets: string[] = [];
  private readonly setIndex = new Map<string, number>();
  private lastColumns: string | undefined;
  private lastSet = -1;

  push(table: number, prep: CandidatePrep): void {
    if ((this.count + 1) * FIELDS > this.numbers.length) {
      const grown = new Int32Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    const at = this.count++ * FIELDS;
    const numbers = this.numbers;
    numbers[at + TABLE] = table;
    const keys = prep.keys;
    if (keys === undefined) numbers[at + KEY_COUNT] = -1;
    else if (typeof keys === 'string') {
      numbers[at + KEY_COUNT] = 1;
      this.keys.push(keys);
    } else {
      numbers[at + KEY_COUNT] = keys.length;
      for (const k of keys) this.keys.push(k);
    }
    const digest = prep.digest;
    numbers[at + DIGEST_SET] = digest ? this.setOf(typeof digest.columns === 'string' ? digest.columns : digest.columns.join('\u0000')) : -1;
    numbers[at + DIGEST_A] = digest ? digest.a : 0;
    numbers[at + DIGEST_B] = digest ? digest.b : 0;
    numbers[at + LOOKUPS] = prep.lookups ? 1 : 0;
  }

  /** What is sent: only the used part of the numbers. */
  flat(): FlatPreps {
    return { numbers: this.numbers.slice(0, this.count * FIELDS), keys: this.keys, digestSets: this.digestSets };
  }

  private setOf(columns: string): number {
    // The mapper hands the same string for the same set again and again: no hashing then.
    if (columns === this.lastColumns) return this.lastSet;
    let set = this.setIndex.get(columns);
    if (set === undefined) {
      set = this.digestSets.length;
      this.digestSets.push(columns);
      this.setIndex.set(columns, set);
    }
    this.lastColumns = columns;
    this.lastSet = set;
    return set;
  }
}

/**
 * Reads the tables and preps back in order, the preps into one reused object: the main
 * thread takes in a million of them while the workers map, and must not compete with
 * them for the CPU. A single key stays a string and the digest's columns stay joined.
 */
export function forEachPrep(flat: FlatPreps, fn: (i: number, table: number, prep: CandidatePrep) => void): void {
  const prep: CandidatePrep = { keys: undefined, digest: undefined, lookups: false };
  const digest = { a: 0, b: 0, columns: '' as string | string[] };
  const { numbers } = flat;
  let k = 0;
  for (let i = 0, at = 0; at < numbers.length; i++, at += FIELDS) {
    const count = numbers[at + KEY_COUNT] as number;
    prep.keys = count < 0 ? undefined : count === 1 ? (flat.keys[k] as string) : flat.keys.slice(k, k + count);
    if (count > 0) k += count;
    const set = numbers[at + DIGEST_SET] as number;
    if (set < 0) prep.digest = undefined;
    else {
      // The lanes are unsigned: int32 holds their bits.
      digest.a = (numbers[at + DIGEST_A] as number) >>> 0;
      digest.b = (numbers[at + DIGEST_B] as number) >>> 0;
      digest.columns = flat.digestSets[set] as string;
      prep.digest = digest;
    }
    prep.lookups = numbers[at + LOOKUPS] === 1;
    fn(i, numbers[at + TABLE] as number, prep);
  }
}
