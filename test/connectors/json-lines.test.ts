/**
 * The `jsonl` source: application logs and archived webhooks, one JSON object a line,
 * gzipped or not. Real files in a temp directory, the real connector, and one pull
 * through salvage.yaml to show the kind is found by the registry alone.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonLinesConnector, type JsonLinesSourceOptions } from '../../connectors/json-lines/index.js';
import { loadConfig } from '../../src/config/load.js';
import { pull } from '../../src/pull/pull.js';
import type { PullRejection } from '../../src/records/rejection.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { readRecordsFile } from '../../src/records/ndjson.js';
import { rejectionsPath } from '../../src/runtime/job-paths.js';
import { testPullContext } from '../support/pull-context.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

let dir: string;
let logs: string[];
let rejected: PullRejection[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'salvage-jsonl-'));
  logs = [];
  rejected = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function pullFiles(options: JsonLinesSourceOptions): Promise<SourceRecord[]> {
  const context = testPullContext('webhooks', dir, (line) => logs.push(line), { reject: (r) => rejected.push(r), liveProgress: false });
  const records: SourceRecord[] = [];
  for await (const record of jsonLinesConnector(options).pull(context)) records.push(record);
  return records;
}

const lines = (...objects: unknown[]) => `${objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n')}\n`;

describe('jsonl connector', () => {
  it('reads one record per object line, with file:line ids and refs, a BOM, CRLF and blank lines', async () => {
    await writeFile(path.join(dir, 'app.jsonl'), `\uFEFF${JSON.stringify({ event: 'signup', email: "o'brien@example.com" })}\r\n\r\n${JSON.stringify({ event: 'paid', amount: 4500 })}\r\n`);
    const records = await pullFiles({ files: ['*.jsonl'] });
    expect(records).toEqual([
      { source: 'webhooks', type: 'jsonl.line', id: 'app.jsonl#L1', ref: 'file://app.jsonl#L1', observedAt: expect.any(String), data: { event: 'signup', email: "o'brien@example.com" } },
      { source: 'webhooks', type: 'jsonl.line', id: 'app.jsonl#L3', ref: 'file://app.jsonl#L3', observedAt: expect.any(String), data: { event: 'paid', amount: 4500 } },
    ]);
    expect(rejected).toEqual([]);
  });

  it('reads gzip by its magic bytes, whatever the file is called', async () => {
    await writeFile(path.join(dir, 'hooks-2026-04.log'), gzipSync(lines({ id: 'evt_1', type: 'charge.succeeded' }, { id: 'evt_2', type: 'charge.refunded' })));
    const records = await pullFiles({ files: ['hooks-*.log'], idField: 'id' });
    expect(records.map((r) => [r.id, r.ref])).toEqual([
      ['evt_1', 'file://hooks-2026-04.log#L1'],
      ['evt_2', 'file://hooks-2026-04.log#L2'],
    ]);
  });

  it('rejects each bad line with its file:line and reads on', async () => {
    await writeFile(path.join(dir, 'app.jsonl'), lines({ id: 'a' }, '{"id": "b",', '[1,2]', 'null', { nope: 1 }, { id: 'f' }));
    const records = await pullFiles({ files: ['app.jsonl'], idField: 'id' });
    expect(records.map((r) => r.id)).toEqual(['a', 'f']);
    expect(rejected.map((r) => [r.what, r.location])).toEqual([
      ['json line', 'app.jsonl:2'],
      ['json line', 'app.jsonl:3'],
      ['json line', 'app.jsonl:4'],
      ['json line', 'app.jsonl:5'],
    ]);
    expect(rejected[0]?.reason).toMatch(/^not valid JSON \(.+\): "\{\\"id\\": \\"b\\",";/);
    expect(rejected[1]?.reason).toBe('a JSON array, not an object; each line must be one JSON object');
    expect(rejected[3]?.reason).toMatch(/^no usable id in "id" \(idField\): the line has no such field;/);
  });

  it('keeps the lines before the cut of a truncated gzip archive, and rejects the file with where it stopped', async () => {
    const whole = gzipSync(lines(...Array.from({ length: 2000 }, (_, i) => ({ id: `evt_${i}`, payload: 'x'.repeat(200) }))));
    await writeFile(path.join(dir, 'cut.jsonl.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
    await writeFile(path.join(dir, 'whole.jsonl'), lines({ id: 'after' }));
    const records = await pullFiles({ files: ['cut.jsonl.gz', 'whole.jsonl'], idField: 'id' });
    expect(records.length).toBeGreaterThan(1);
    expect(records.at(-1)?.id).toBe('after');
    expect(records.slice(0, -1).map((r) => r.id)).toEqual(Array.from({ length: records.length - 1 }, (_, i) => `evt_${i}`));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ what: 'file', location: 'cut.jsonl.gz' });
    expect(rejected[0]?.reason).toMatch(/^the gzip stream is damaged or cut off after line \d+ .*; the lines before it were read$/);
  });

  it('skips lines last written before the window by its time fields (ISO, Unix seconds or milliseconds) and keeps undated ones', async () => {
    // The test window starts 2026-01-19 (TEST_WINDOW.since).
    await writeFile(
      path.join(dir, 'app.jsonl'),
      lines(
        { n: 1, meta: { created_at: '2025-12-01T00:00:00Z' } },
        { n: 2, meta: { created_at: '2025-12-01 10:00:00' }, updated: 1_775_000_000 },
        { n: 3, meta: { created_at: 1_700_000_000_000 } },
        { n: 4 },
        { n: 5, meta: { created_at: 'yesterday' } },
      ),
    );
    const records = await pullFiles({ files: ['app.jsonl'], createdField: 'meta.created_at', updatedField: 'updated' });
    expect(records.map((r) => [r.data['n'], r.createdAt, r.updatedAt])).toEqual([
      [2, '2025-12-01T10:00:00.000Z', '2026-03-31T23:33:20.000Z'],
      [4, undefined, undefined],
    ]);
    expect(rejected.map((r) => [r.location, r.reason])).toEqual([['app.jsonl:5', expect.stringMatching(/^cannot read "yesterday" in "meta.created_at" as a time/)]]);
    expect(logs).toContainEqual('jsonl: skipped 2 of 4 lines last written before 2026-01-19T00:00:00.000Z (by meta.created_at and updated)');
  });
});

describe('jsonl through salvage.yaml and pull', () => {
  it('is validated and pulled by its kind alone, rejections kept beside the records', async () => {
    await writeFile(path.join(dir, 'app.jsonl'), lines({ id: 'a', email: 'ada@example.com' }, 'not json', { id: 'b' }));
    await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  logs: { kind: jsonl, files: [app.jsonl], idField: id }\n');
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS });
    const [summary] = await pull({ config });
    expect(summary).toMatchObject({ source: 'logs', kind: 'jsonl', records: 2, rejected: 1 });
    const ids: string[] = [];
    for await (const { record } of readRecordsFile(summary?.file ?? '')) ids.push(record.id);
    expect(ids).toEqual(['a', 'b']);
    expect(summary?.rejectedSamples).toEqual([{ what: 'json line', location: 'app.jsonl:2', reason: expect.stringMatching(/^not valid JSON/) }]);
    expect(rejectionsPath(config.jobDir, 'logs')).toBe(path.join(config.jobDir, 'rejected', 'logs.ndjson'));
  });

  it('refuses an unknown option of the kind, as every kind does', async () => {
    await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  logs: { kind: jsonl, files: [app.jsonl], idFeild: id }\n');
    await expect(loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS })).rejects.toThrow(/salvage\.yaml:3:44: unknown key "idFeild"/);
  });
});
