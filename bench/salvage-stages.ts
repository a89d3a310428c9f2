/**
 * The salvage half of the benchmark, run in a process of its own so that its peak
 * resident memory (`maxRSS`) is salvage's alone, not the data generator's or the
 * baseline's. Usage: node salvage-stages.js <job dir> <target url> <target database>.
 * Prints the stage table on stderr and one JSON line on stdout.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { apply } from '../src/apply/apply.js';
import { parseConfig } from '../src/config/load.js';
import { SOURCE_KINDS } from '../connectors/registry.js';
import { writePatch } from '../src/patch/patch.js';
import { reconcile } from '../src/reconcile/reconcile.js';

export interface StagesResult {
  reconcile_s: number;
  patch_s: number;
  apply_s: number;
  inserts?: number;
  updates?: number;
  applied_rows: number;
  patch_statements: number;
  peak_rss_mb: number;
}

const [job, targetUrl, targetName] = process.argv.slice(2) as [string, string, string];
const log = (line: string) => process.stderr.write(`${line}\n`);
const configFile = path.join(job, 'salvage.yaml');
const config = parseConfig(await readFile(configFile, 'utf8'), configFile, { kinds: SOURCE_KINDS });

// Resident memory sampled through each stage: the peak is mid-stage, not at its end.
let stagePeak = 0;
const sampler = setInterval(() => (stagePeak = Math.max(stagePeak, process.memoryUsage.rss())), 50);
const peakOf = (stage: string) => {
  log(`  peak RSS during ${stage}: ${Math.round(stagePeak / 1048576)} MB`);
  stagePeak = 0;
};

const t0 = performance.now();
// Only the counts are kept: the changeset in memory must not outlive reconcile.
const counts = await reconcile({ config }).then((reconciled) => {
  for (const t of reconciled.timings) log(`  ${t.stage.padEnd(28)} ${t.seconds.toFixed(2).padStart(7)} s  ${String(t.rows).padStart(9)} rows  ${t.rssMb} MB`);
  return reconciled.changeset.tables.find((t) => t.name === 'payments')?.counts;
});
const t1 = performance.now();
peakOf('reconcile');
const { dir, manifest } = await writePatch(job, path.join(job, 'changeset.json'));
const t2 = performance.now();
log(`  patch                        ${((t2 - t1) / 1000).toFixed(2).padStart(7)} s  ${String(manifest.patch.statements.length).padStart(9)} stmts  ${Math.round(process.memoryUsage.rss() / 1048576)} MB`);
peakOf('patch');
const applied = await apply({ patchDir: dir, jobDir: job, target: { url: targetUrl, embeddedDir: '' }, confirm: targetName });
const t3 = performance.now();
for (const t of applied.timings) log(`  apply: ${t.stage.padEnd(21)} ${t.seconds.toFixed(2).padStart(7)} s  ${String(t.rows).padStart(9)} rows  ${t.rssMb} MB`);
peakOf('apply');
clearInterval(sampler);

const result: StagesResult = {
  reconcile_s: (t1 - t0) / 1000,
  patch_s: (t2 - t1) / 1000,
  apply_s: (t3 - t2) / 1000,
  ...(counts ? { inserts: counts.insert, updates: counts.update } : {}),
  applied_rows: Object.values(applied.rows).reduce((n, c) => n + (c.insert ?? 0) + (c.update ?? 0), 0),
  patch_statements: manifest.patch.statements.length,
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
