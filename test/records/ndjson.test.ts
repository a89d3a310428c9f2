import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/records/envelope.js';
import { openRecordsSink, readRecordsFile, writeRecordsFile } from '../../src/records/ndjson.js';
import { tempJobDir } from '../support/flow.js';

const rec = (i: number): SourceRecord => ({ source: 's', type: 't.x', id: String(i), ref: `t:${i}`, observedAt: '2026-05-01T00:00:00Z', data: { i } });

async function* records(from: number, to: number, failAt?: number, onEach?: (i: number) => Promise<void>): AsyncGenerator<SourceRecord> {
  for (let i = from; i < to; i++) {
    if (i === failAt) throw new Error(`connection dropped at ${i}`);
    yield rec(i);
    await onEach?.(i);
  }
}

async function ids(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const { record } of readRecordsFile(file)) out.push(record.id);
  return out;
}

describe('records files', () => {
  it('a failed pull leaves the previous complete file untouched', async () => {
    const file = path.join(await tempJobDir('ndjson'), 'records', 's.ndjson');
    expect(await writeRecordsFile(file, records(0, 3))).toBe(3);
    await expect(writeRecordsFile(file, records(0, 10, 5))).rejects.toThrow('connection dropped at 5');
    expect(await ids(file)).toEqual(['0', '1', '2']);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('an interrupted pull resumes from its last checkpoint: nothing missing, nothing twice', async () => {
    const file = path.join(await tempJobDir('ndjson'), 'records', 's.ndjson');
    const first = await openRecordsSink(file);
    expect(first.resumeState).toBeUndefined();
    // Checkpoints after records 1, 5 and 9; dies at 12, so 10 and 11 were written after the last one.
    await expect(first.write(records(0, 20, 12, async (i) => (i % 4 === 1 ? first.checkpoint({ next: i + 1 }) : undefined)))).rejects.toThrow();
    const second = await openRecordsSink(file);
    expect(second.resumeState).toEqual({ next: 10 });
    expect(second.resumedRecords).toBe(10);
    const next = (second.resumeState as { next: number }).next;
    expect(await second.write(records(next, 20))).toBe(20);
    expect(await ids(file)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(existsSync(`${file}.checkpoint.json`)).toBe(false);
  });

  it('names file:line for a broken line', async () => {
    const file = path.join(await tempJobDir('ndjson'), 'bad.ndjson');
    await writeFile(file, `${JSON.stringify(rec(1))}\n{"source":\n`);
    await expect(ids(file)).rejects.toThrow(`${file}:2: not valid JSON`);
    await writeFile(file, `${JSON.stringify({ ...rec(1), data: [] })}\n`);
    await expect(ids(file)).rejects.toThrow(`${file}:1: not a salvage record: "data" must be a JSON object`);
    expect(await readFile(file, 'utf8')).toContain('"data":[]');
  });
});
