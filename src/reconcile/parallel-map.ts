import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SourceInputError } from '../records/connector.js';
import { CANDIDATE_SEPARATOR, forEachPrep, type ChunkRequest, type ChunkResult, type MapWorkerData, type MapWorkerStart } from './map-protocol.js';
import type { CandidatePrep } from './prepared.js';
import { MapTally } from './record-mapper.js';

/** How reconcile maps a records file: inline, or in worker threads. */
export interface MapParallelism {
  /** Worker threads; 0 maps on the main thread. */
  workers: number;
  /** Bytes of the file per chunk handed to a worker. */
  chunkBytes: number;
}

/** Below this size workers gain little: each takes about 0.2 s to start, and its code starts cold. */
const PARALLEL_MIN_BYTES = 32 * 1048576;
/**
 * A chunk's candidates live in the worker until the chunk is sent: with smaller chunks
 * fewer of them are still alive, to be copied, when the young generation is collected
 * (4 MB chunks spent about a sixth more CPU). Each chunk costs a message, a few hundred microseconds.
 */
const DEFAULT_CHUNK_BYTES = 256 * 1024;
const MAX_WORKERS = 4;
/** Bytes of the file the workers may map ahead of the chunk the main thread waits for. */
const LEAD_BYTES = 16 * 1048576;
/** Each worker's young generation (MB): V8's default is several times this. */
const WORKER_YOUNG_MB = 8;

/**
 * Workers for a file of this size: none for small files or one core, else one per
 * core (up to 4). SALVAGE_MAP_WORKERS overrides (0 turns workers off).
 */
export function mapParallelismFor(fileBytes: number, override?: Partial<MapParallelism>): MapParallelism {
  const fromEnv = process.env.SALVAGE_MAP_WORKERS;
  const chunkBytes = override?.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (override?.workers !== undefined) return { workers: override.workers, chunkBytes };
  if (fromEnv !== undefined && fromEnv !== '' && Number.isInteger(Number(fromEnv))) return { workers: Math.max(0, Number(fromEnv)), chunkBytes };
  const cores = availableParallelism();
  return { workers: cores >= 2 && fileBytes >= PARALLEL_MIN_BYTES ? Math.min(cores, MAX_WORKERS) : 0, chunkBytes };
}

/** Where the worker's code is: beside this module, or (running from the TypeScript sources, as the tests do) in the build. */
export function mapWorkerScript(): URL | undefined {
  const here = new URL('./map-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(here.href.replace(/\/src\/reconcile\/map-worker\.js$/, '/dist/src/reconcile/map-worker.js'));
  return existsSync(fileURLToPath(built)) ? built : undefined;
}

export interface WorkerMapSinks {
  /** A stored candidate of the table at this index of the shapes, in file order. */
  candidate(table: number, line: string, prep: CandidatePrep): void;
  requested(index: string, keys: string[]): void;
  /** A chunk of this many bytes has been taken in. */
  chunkDone?(bytes: number): void;
}

/**
 * Maps one records file in worker threads. The file is cut at line boundaries into
 * chunks; workers take chunks as they free up, and the results are taken in file
 * order, so that candidates, counts and samples are exactly those of one inline pass.
 * A bad line stops the run naming file:line, as the inline reader does.
 */
export async function mapFileInWorkers(setup: MapWorkerData, parallelism: MapParallelism, script: URL, sinks: WorkerMapSinks, tally: MapTally): Promise<void> {
  const chunks = await planChunks(setup.file, parallelism.chunkBytes);
  const count = Math.max(1, Math.min(parallelism.workers, chunks.length));
  // Opened once for all workers, which read their chunks from it by position: opening the file
  // per chunk cost as much as a twentieth of mapping. Closed here once they are terminated.
  const handle = await open(setup.file, 'r');
  const start: MapWorkerStart = { ...setup, fd: handle.fd };
  const workers: Worker[] = [];
  // At most this many chunks ahead of the one the main thread waits for: results never pile up,
  // yet the workers go on for a while when the main thread pauses (a full collection of its heap).
  const lead = Math.max(2 * count, Math.ceil(LEAD_BYTES / parallelism.chunkBytes));
  let next = 0;
  let expected = 0;
  let linesBefore = 0;
  const ready = new Map<number, ChunkResult>();
  try {
    // A worker's garbage is short-lived (a chunk's records): a small young generation is
    // collected more often but holds less, which lowers mapping's peak resident memory
    // by a few tens of megabytes, at no measured cost in time.
    for (let i = 0; i < count; i++) workers.push(new Worker(script, { workerData: start, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } }));
    await new Promise<void>((resolve, reject) => {
      const idle: Worker[] = [];
      const dispatch = (worker: Worker) => {
        const range = chunks[next];
        if (!range || next - expected >= lead) return void idle.push(worker);
        const request: ChunkRequest = { chunk: next++, start: range[0], end: range[1] };
        worker.postMessage(request);
      };
      const take = (result: ChunkResult) => {
        const lines = result.candidates === '' ? [] : result.candidates.split(CANDIDATE_SEPARATOR);
        forEachPrep(result.preps, (i, table, prep) => sinks.candidate(table, lines[i] as string, prep));
        for (const [index, keys] of result.requested) sinks.requested(index, keys);
        tally.add(result.tally);
        const range = chunks[result.chunk];
        if (range) sinks.chunkDone?.(range[1] - range[0]);
        if (result.error) {
          const where = `${setup.file}:${linesBefore + result.error.line}`;
          throw result.error.unexpected ? new Error(`mapping ${where} failed: ${result.error.reason}`) : new SourceInputError(result.error.reason, where);
        }
        linesBefore += result.lines;
      };
      for (const worker of workers) {
        worker.on('message', (result: ChunkResult) => {
          ready.set(result.chunk, result);
          // The worker gets its next chunk before this one is taken in: it never waits for the main thread.
          dispatch(worker);
          try {
            for (let r = ready.get(expected); r; r = ready.get(expected)) {
              ready.delete(expected);
              expected++;
              take(r);
            }
          } catch (error) {
            return reject(error);
          }
          if (expected === chunks.length) return resolve();
          for (let w = idle.shift(); w; w = idle.shift()) {
            const before = next;
            dispatch(w);
            if (next === before) break; // it went back to idle
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (expected < chunks.length) reject(new Error(`a mapping worker stopped (exit code ${code}) before ${setup.file} was mapped`));
        });
        // Two chunks each from the start: a worker finds its next chunk waiting when it sends one,
        // instead of waiting for the main thread (busy, or not given a core) to answer.
        dispatch(worker);
        dispatch(worker);
      }
      if (chunks.length === 0) resolve();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await handle.close();
  }
}

/** Byte ranges of about `chunkBytes` each, every one starting at the beginning of a line. */
async function planChunks(file: string, chunkBytes: number): Promise<Array<[number, number]>> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const starts = [0];
    const window = Buffer.allocUnsafe(65536);
    let from = chunkBytes;
    while (from < size) {
      // The next line break at or after `from`: the chunk ends just after it.
      let boundary = -1;
      for (let at = from; at < size && boundary < 0; at += window.length) {
        const { bytesRead } = await handle.read(window, 0, window.length, at);
        const nl = window.subarray(0, bytesRead).indexOf(0x0a);
        if (nl >= 0) boundary = at + nl + 1;
        if (bytesRead === 0) break;
      }
      if (boundary < 0 || boundary >= size) break;
      starts.push(boundary);
      from = boundary + chunkBytes;
    }
    return size === 0 ? [] : starts.map((start, i) => [start, starts[i + 1] ?? size]);
  } finally {
    await handle.close();
  }
}
