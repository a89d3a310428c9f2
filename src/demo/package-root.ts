import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The salvage checkout or installed package this code runs from (works from src/ and dist/). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'salvage') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the salvage package root');
    dir = parent;
  }
}
