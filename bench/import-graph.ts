/**
 * Folder-to-folder import counts over src/ and connectors/: who depends on whom.
 *
 *   npm run build && node dist/bench/import-graph.js
 *
 * A folder is src/<stage> (or connectors/<name>); a top-level file counts as its own folder
 * (src/errors.ts is "src/errors"). Imports inside one folder are not counted. Type-only
 * imports count: they are a dependency on the other folder's contract all the same.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) yield full;
  }
}

/** src/reconcile/table.ts -> src/reconcile; src/errors.ts -> src/errors; connectors/csv/connector.ts -> connectors/csv. */
function folderOf(file: string): string {
  const parts = path.relative(root, file).split(path.sep);
  const top = parts.slice(0, 2).join('/');
  return parts.length > 2 ? top : top.replace(/\.(ts|js)$/, '');
}

const counts = new Map<string, number>();
for (const top of ['src', 'connectors']) {
  for (const file of sources(path.join(root, top))) {
    const from = folderOf(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? '';
      const to = folderOf(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
      if (to === from) continue;
      const key = `${from} -> ${to}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
}
const rows = [...counts].sort(([a], [b]) => a.localeCompare(b));
const width = Math.max(...rows.map(([k]) => k.length));
for (const [edge, n] of rows) process.stdout.write(`${edge.padEnd(width)}  ${String(n).padStart(4)}\n`);
const intoConnectors = rows.filter(([k]) => k.startsWith('src/') && k.includes('-> connectors/'));
process.stdout.write(`\n${rows.length} edges, ${rows.reduce((s, [, n]) => s + n, 0)} imports across folders; src -> connectors: ${intoConnectors.reduce((s, [, n]) => s + n, 0)}\n`);
