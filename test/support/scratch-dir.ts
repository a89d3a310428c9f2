import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export interface Scratch {
  /** A fresh directory for the running test, removed after it. */
  readonly dir: string;
  /** The lines logged during the running test: emptied before each. */
  readonly logs: string[];
}

/** What a connector test pulls into: its own temporary directory and log for every test of the file or block this is called in. */
export function scratchPerTest(prefix: string): Scratch {
  let dir: string | undefined;
  const logs: string[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), prefix));
    logs.length = 0;
  });
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return {
    get dir() {
      if (!dir) throw new Error(`the scratch directory ${prefix}* exists only while a test runs`);
      return dir;
    },
    logs,
  };
}
