import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Vitest's global setup. Tests import the source, and run the CLI in their own process
 * (test/support/cli.ts); a few run dist/: those of the built binary itself (bin/salvage.js
 * through a real process: help and usage, a pager on a pseudo-terminal, a pipe its reader
 * closes, another user's rights, the packed package, the corpus's CLI cases and the
 * secrets canary) and the reconcile worker threads, which Node starts from compiled
 * JavaScript. A dist/ older than the source would test old code without a word, so it is
 * rebuilt first when any source file is newer than it. `npm test` builds before vitest
 * starts, so there this finds dist/ fresh and does nothing.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILT = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const sources = Math.max(...['src', 'connectors'].map((dir) => newestSource(path.join(ROOT, dir))));
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= sources) return;
  process.stderr.write('dist/ is older than the source: building it first (npm run build)\n');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
}
