/**
 * Every command reads salvage.yaml through the registry of source kinds; only pull and
 * init's samples use a connector. So the registry must not load a vendor SDK when it is
 * imported: each kind loads its connector (and the SDK) when it first pulls
 * (src/records/connector-on-pull.ts). This walks the static imports from
 * connectors/registry.ts (type-only imports and dynamic import() are not loaded with it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const SDKS = ['googleapis', 'google-auth-library', 'stripe', 'imapflow', 'mailparser', 'ical.js', 'csv-parse'];
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

/** Bare package names reached by static imports from `entry`, and the first file that imports each. */
function packagesLoadedWith(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (!spec) continue;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
        if (!packages.has(name)) packages.set(name, path.relative(root, file));
      }
    }
  };
  visit(entry);
  return packages;
}

describe('the registry of source kinds', () => {
  it('loads no vendor SDK: each kind loads its connector when it first pulls', () => {
    const loaded = packagesLoadedWith(path.join(root, 'connectors', 'registry.ts'));
    expect(loaded.has('zod')).toBe(true); // the walk does find the registry's packages
    const sdks = SDKS.filter((name) => loaded.has(name)).map((name) => `${name} (imported by ${loaded.get(name)})`);
    expect(sdks).toEqual([]);
  });
});
