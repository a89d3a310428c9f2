import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

// Registered when a test file imports this module: after that file's own hooks (which close
// its databases), its job directories go. An embedded database alone is 80 MB, and a CI run
// left half a gigabyte of them in the temp dir.
afterAll(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temporary job directory under the OS temp dir, removed when the test file is done. */
export async function tempJobDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `salvage-${label}-`));
  made.push(dir);
  return dir;
}
