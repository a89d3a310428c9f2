import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A temporary job directory under the OS temp dir. */
export async function tempJobDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `salvage-${label}-`));
}
