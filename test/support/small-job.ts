import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SalvageConfig } from '../../src/config/load.js';
import { mappedJob } from './mapped-job.js';

/** A record as a connector writes it to records/<source>.ndjson. */
export interface TestRecord {
  type: string;
  id: string;
  data: Record<string, unknown>;
  time?: string;
}

/**
 * A job directory as after `salvage pull`: salvage.yaml naming the backup (and target),
 * the mapping files, and each source's records, written as given. Sources are CSV
 * sources by kind (reconcile reads only their pulled records).
 */
export async function smallJob(options: {
  label: string;
  backupUrl: string;
  targetUrl?: string;
  mappings: Record<string, string>;
  records: Record<string, TestRecord[]>;
}): Promise<{ dir: string; config: SalvageConfig }> {
  const text = [
    'job: ./recovery',
    `backup: { url: ${JSON.stringify(options.backupUrl)} }`,
    ...(options.targetUrl ? [`target: { url: ${JSON.stringify(options.targetUrl)} }`] : []),
    'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }',
    'mappings: ./mappings',
    'sources:',
    ...Object.keys(options.records).map((source) => `  ${source}: { kind: csv, files: [exports/${source}.csv] }`),
    '',
  ].join('\n');
  const job = await mappedJob(options.label, options.mappings, text);
  await mkdir(path.join(job.dir, 'recovery', 'records'), { recursive: true });
  for (const [source, records] of Object.entries(options.records)) {
    const lines = records.map((r) =>
      JSON.stringify({ source, type: r.type, id: r.id, ref: `${source}:${r.id}`, observedAt: r.time ?? '2026-03-01T00:00:00.000Z', data: r.data }),
    );
    await writeFile(path.join(job.dir, 'recovery', 'records', `${source}.ndjson`), lines.length ? `${lines.join('\n')}\n` : '');
  }
  return job;
}
