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
  /** Natural keys asked of each lookup index. */
  requested: Array<[string, string[]]>;
  tally: MapTallyData;
  /** The chunk stopped at this line (1-based within the chunk). */
  error?: { line: number; reason: string; unexpected?: boolean };
}

/** CandidatePreps as parallel arrays: the keys of all, one after another, with each one's count (-1: unknown). */
export interface FlatPreps {
  keyCounts: number[];
  keys: string[];
  /** Column set of the digest, names joined by NUL; null without a digest. */
  digestColumns: Array<string | null>;
  digestA: number[];
  digestB: number[];
  lookups: boolean[];
}

export function emptyPreps(): FlatPreps {
  return { keyCounts: [], keys: [], digestColumns: [], digestA: [], digestB: [], lookups: [] };
}

export function pushPrep(flat: FlatPreps, prep: CandidatePrep): void {
  const keys = typeof prep.keys === 'string' ? [prep.keys] : prep.keys;
  flat.keyCounts.push(keys ? keys.length : -1);
  if (keys) for (const k of keys) flat.keys.push(k);
  const columns = prep.digest?.columns;
  flat.digestColumns.push(columns === undefined ? null : typeof columns === 'string' ? columns : columns.join('\u0000'));
  flat.digestA.push(prep.digest?.a ?? 0);
  flat.digestB.push(prep.digest?.b ?? 0);
  flat.lookups.push(prep.lookups);
}

/**
 * Reads the preps back in order, into one reused object: the main thread takes in a
 * million of them while the workers map, and must not compete with them for the CPU.
 * A single key stays a string and the digest's columns stay joined.
 */
export function* unflattenPreps(flat: FlatPreps): Generator<CandidatePrep> {
  const prep: CandidatePrep = { keys: undefined, digest: undefined, lookups: false };
  const digest = { a: 0, b: 0, columns: '' as string | string[] };
  let k = 0;
  for (let i = 0; i < flat.keyCounts.length; i++) {
    const count = flat.keyCounts[i] as number;
    prep.keys = count < 0 ? undefined : count === 1 ? (flat.keys[k] as string) : flat.keys.slice(k, k + count);
    if (count > 0) k += count;
    const columns = flat.digestColumns[i];
    if (columns == null) prep.digest = undefined;
    else {
      digest.a = flat.digestA[i] as number;
      digest.b = flat.digestB[i] as number;
      digest.columns = columns;
      prep.digest = digest;
    }
    prep.lookups = flat.lookups[i] === true;
    yield prep;
  }
}
