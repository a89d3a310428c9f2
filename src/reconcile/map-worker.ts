/**
 * A mapping worker: maps stretches ("chunks") of one records file that the main thread
 * hands it, and sends back each chunk's stored candidates, lookup keys and counts.
 * Started by parallel-map.ts; never run directly.
 */
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { registerSecret } from '../runtime/secrets.js';
import { RuleEvaluator } from '../mapping/evaluate.js';
import { parseMappings } from '../mapping/load.js';
import { ChunkMapper } from './map-chunk.js';
import { RecordMapper, type MappedTableShape } from './record-mapper.js';
import type { ChunkRequest, MapWorkerStart } from './map-protocol.js';

const data = workerData as MapWorkerStart;
for (const secret of data.secrets) registerSecret(secret);
const mapper = new RecordMapper(new RuleEvaluator(parseMappings(data.mappingFiles)), data.shapes as MappedTableShape[]);
const chunks = new ChunkMapper(mapper, data.shapes.map((s) => s.name), data.file);
parentPort?.on('message', ({ chunk, start, end }: ChunkRequest) => parentPort?.postMessage(chunks.map(chunk, readChunk(start, end).toString('utf8'))));

/** The chunk's bytes, read by position from the file the main thread holds open (and closes once the workers are gone). */
function readChunk(start: number, end: number): Buffer {
  const bytes = Buffer.allocUnsafe(end - start);
  for (let at = 0; at < bytes.length; ) {
    const n = readSync(data.fd, bytes, at, bytes.length - at, start + at);
    if (n === 0) return bytes.subarray(0, at);
    at += n;
  }
  return bytes;
}
