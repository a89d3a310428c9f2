import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfig, type SalvageConfig } from '../../src/config/load.js';
import { tempJobDir } from './flow.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

/**
 * A job directory holding a salvage.yaml of `configText` and these mapping files under
 * mappings/, and its config as salvage reads it (no env: secrets given): what `salvage
 * check` needs, before any source is pulled.
 */
export async function mappedJob(label: string, mappings: Record<string, string>, configText: string): Promise<{ dir: string; config: SalvageConfig }> {
  const dir = await tempJobDir(label);
  await mkdir(path.join(dir, 'mappings'));
  for (const [name, text] of Object.entries(mappings)) await writeFile(path.join(dir, 'mappings', name), text);
  const file = path.join(dir, 'salvage.yaml');
  await writeFile(file, configText);
  return { dir, config: parseConfig(configText, file, { kinds: SOURCE_KINDS, env: {} }) };
}
