/**
 * One stage of salvage for the benchmark, in a process of its own: a recovery runs
 * `salvage reconcile`, `salvage patch` and `salvage apply` as three commands, so each
 * stage's peak resident memory (`maxRSS`) is its own, not what an earlier stage left in
 * the heap, nor the data generator's or the baseline's.
 * Usage: node salvage-stages.js <reconcile|patch|apply> <job dir> <target url> <target database>.
 * Prints the stage's timings on stderr and one JSON line on stdout.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { apply } from '../src/apply/apply.js';
import { parseConfig } from '../src/config/load.js';
import { SOURCE_KINDS } from '../connectors/registry.js';
import { writePatch } from '../src/patch/patch.js';
import { reconcile } from '../src/reconcile/reconcile.js';
import { STAGES, type Stage, type StageResult } from './stage-result.js';

const [stage, job, targetUrl, targetName] = process.argv.slice(2) as [Stage, string, string, string];
const log = (line: string) => process.stderr.write(`${line}\n`);
const row = (name: string, seconds: number, count: number, unit: string, rssMb: number | undefined) =>
  log(`  ${name.padEnd(35)} ${seconds.toFixed(2).padStart(7)} s  ${String(count).padStart(9)} ${unit.padEnd(5)} ${rssMb ?? '?'} MB`);

async function run(): Promise<Omit<StageResult, 'stage' | 'seconds' | 'peak_rss_mb'>> {
  if (stage === 'reconcile') {
    const configFile = path.join(job, 'salvage.yaml');
    const config = parseConfig(await readFile(configFile, 'utf8'), configFile, { kinds: SOURCE_KINDS });
    const reconciled = await reconcile({ config });
    for (const t of reconciled.timings) row(t.stage, t.seconds, t.rows, 'rows', t.rssMb);
    const counts = reconciled.changeset.tables.find((t) => t.name === 'payments')?.counts;
    return counts ? { inserts: counts.insert, updates: counts.update } : {};
  }
  if (stage === 'patch') {
    const { manifest } = await writePatch(job, path.join(job, 'changeset.json'));
    return { patch_statements: manifest.patch.statements.length };
  }
  const applied = await apply({ patchDir: path.join(job, 'patch'), jobDir: job, target: { url: targetUrl, embeddedDir: '' }, confirm: targetName });
  for (const t of applied.timings) row(`apply: ${t.stage}`, t.seconds, t.rows, 'rows', t.rssMb);
  return { applied_rows: Object.values(applied.rows).reduce((n, c) => n + (c.insert ?? 0) + (c.update ?? 0), 0) };
}

if (!STAGES.includes(stage)) throw new Error(`the stage must be one of ${STAGES.join(', ')}, not ${String(stage)}`);
const started = performance.now();
const counts = await run();
const seconds = (performance.now() - started) / 1000;
const peak = Math.round(process.resourceUsage().maxRSS / 1024);
log(`  ${stage.padEnd(35)} ${seconds.toFixed(2).padStart(7)} s  peak RSS ${peak} MB`);
const result: StageResult = { stage, seconds, peak_rss_mb: peak, ...counts };
process.stdout.write(`${JSON.stringify(result)}\n`);
