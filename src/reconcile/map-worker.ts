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
import { ChunkMapper } from './map-chunk.js';
import { RecordMapper, type MappedTableShape } from './record-mapper.js';
import type { ChunkRequest, MapWorkerData } from './map-protocol.js';

const data = workerData as MapWorkerData;
for (const secret of data.secrets) registerSecret(secret);
const mapper = new RecordMapper(new RuleEvaluator(parseMappings(data.mappingFiles)), data.shapes as MappedTableShape[]);
const chunks = new ChunkMapper(mapper, data.shapes.map((s) => s.name), data.file);
parentPort?.on('message', ({ chunk, start, end }: ChunkRequest) => parentPort?.postMessage(chunks.map(chunk, readChunk(start, end).toString('utf8'))));

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
