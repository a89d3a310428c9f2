import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { parseConfig, type SalvageConfig } from '../../src/config/load.js';
import { tempJobDir } from './flow.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

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
  const dir = await tempJobDir(options.label);
  await mkdir(path.join(dir, 'mappings'));
  await mkdir(path.join(dir, 'recovery', 'records'), { recursive: true });
  for (const [name, text] of Object.entries(options.mappings)) await writeFile(path.join(dir, 'mappings', name), text);
  for (const [source, records] of Object.entries(options.records)) {
    const lines = records.map((r) =>
      JSON.stringify({ source, type: r.type, id: r.id, ref: `${source}:${r.id}`, observedAt: r.time ?? '2026-03-01T00:00:00.000Z', data: r.data }),
    );
    await writeFile(path.join(dir, 'recovery', 'records', `${source}.ndjson`), lines.length ? `${lines.join('\n')}\n` : '');
  }
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
  const file = path.join(dir, 'salvage.yaml');
  await writeFile(file, text);
  return { dir, config: parseConfig(text, file, { kinds: SOURCE_KINDS, env: {} }) };
}

/** Runs SQL on a database and closes the connection. */
export async function runSql(url: string, sql: string): Promise<pg.QueryResult[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
    return Array.isArray(result) ? result : [result];
  } finally {
    await client.end();
  }
}
