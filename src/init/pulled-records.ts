import { existsSync } from 'node:fs';
import { readRecordsFile } from '../records/ndjson.js';
import type { SourceRecord } from '../records/envelope.js';

/**
 * A bounded sample of a pulled records file (`<job>/records/<source>.ndjson`), read in
 * one streamed pass: up to `perType` records of each record type, spread over the
 * whole file (reservoir sampling), so that a file sorted by time gives old and new
 * records alike. The choice is seeded: the same file always gives the same sample,
 * and so the same draft. Undefined when the source has not been pulled.
 */
export async function samplePulledRecords(file: string, perType: number): Promise<SourceRecord[] | undefined> {
  if (!existsSync(file)) return undefined;
  const byType = new Map<string, { seen: number; kept: SourceRecord[] }>();
  let seed = 0x2545f491;
  const random = () => {
    // xorshift32: deterministic, and plenty for picking sample slots.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  for await (const { record } of readRecordsFile(file)) {
    let reservoir = byType.get(record.type);
    if (!reservoir) byType.set(record.type, (reservoir = { seen: 0, kept: [] }));
    reservoir.seen++;
    if (reservoir.kept.length < perType) {
      reservoir.kept.push(record);
      continue;
    }
    const slot = Math.floor(random() * reservoir.seen);
    if (slot < perType) reservoir.kept[slot] = record;
  }
  return [...byType.values()].flatMap((r) => r.kept);
}
