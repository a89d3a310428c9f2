import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../demo/package-root.js';

/** The version of the salvage package this code runs from, as its package.json says. */
export function salvageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
