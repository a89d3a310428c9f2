/**
 * A mapping worker: maps stretches ("chunks") of one records file that the main thread
 * hands it, and sends back each chunk's stored candidates, lookup keys and counts.
 * Started by parallel-map.ts; never run directly.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { registerSecret } from '../runtime/secrets.js';
import { RuleEvaluator } from '../mapping/evaluate.js';
import { parseMappings } from '../mapping/load.js';
import { SourceInputError } from '../records/connector.js';
import { parseRecordLine } from '../records/ndjson.js';
import { MapTally, RecordMapper, type MappedTableShape } from './record-mapper.js';
import { CANDIDATE_SEPARATOR, emptyPreps, pushPrep, type ChunkRequest, type ChunkResult, type MapWorkerData } from './map-protocol.js';

const data = workerData as MapWorkerData;
for (const secret of data.secrets) registerSecret(secret);
const mapper = new RecordMapper(new RuleEvaluator(parseMappings(data.mappingFiles)), data.shapes as MappedTableShape[]);
const tableIndex = new Map(data.shapes.map((s, i) => [s.name, i]));
parentPort?.on('message', (request: ChunkRequest) => parentPort?.postMessage(mapChunk(request)));

/** The chunk's bytes. The file is opened per chunk: the main thread terminates workers, which would leak a descriptor held open. */
function readChunk(start: number, end: number): Buffer {
  const bytes = Buffer.allocUnsafe(end - start);
  const fd = openSync(data.file, 'r');
  try {
    for (let at = 0; at < bytes.length; ) {
      const n = readSync(fd, bytes, at, bytes.length - at, start + at);
      if (n === 0) return bytes.subarray(0, at);
      at += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

function mapChunk({ chunk, start, end }: ChunkRequest): ChunkResult {
  const bytes = readChunk(start, end);
  // The same line breaks as readline's (\r\n, \n, or a lone \r); chunks end after a \n.
  const text = bytes.toString('utf8');
  // A plain split when the chunk has no \r at all (files salvage writes): the pattern cost a twentieth of mapping.
  const lines = text.includes('\r') ? text.split(/\r\n|\n|\r/) : text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const tally = new MapTally();
  const tables: number[] = [];
  const candidates: string[] = [];
  const preps = emptyPreps();
  const requested = new Map<string, Set<string>>();
  for (let i = 0; i < lines.length; i++) {
    try {
      const record = parseRecordLine(lines[i] as string, data.file, i + 1);
      if (!record) continue;
      mapper.map(record, tally, (c) => {
        tables.push(tableIndex.get(c.table) as number);
        candidates.push(c.line);
        pushPrep(preps, c.prep);
        for (const [index, key] of c.lookups) {
          let keys = requested.get(index);
          if (!keys) requested.set(index, (keys = new Set()));
          keys.add(key);
        }
      });
    } catch (error) {
      // The main thread knows how many lines came before this chunk: it names file:line.
      if (error instanceof SourceInputError) return { chunk, lines: lines.length, tables, candidates: candidates.join(CANDIDATE_SEPARATOR), preps, requested: [], tally: tally.data(), error: { line: i + 1, reason: error.reason } };
      return { chunk, lines: lines.length, tables, candidates: candidates.join(CANDIDATE_SEPARATOR), preps, requested: [], tally: tally.data(), error: { line: i + 1, reason: (error as Error).stack ?? String(error), unexpected: true } };
    }
  }
  return { chunk, lines: lines.length, tables, candidates: candidates.join(CANDIDATE_SEPARATOR), preps, requested: [...requested].map(([index, keys]) => [index, [...keys]]), tally: tally.data() };
}
