/**
 * The demo's output, fingerprinted: a restructuring must leave every byte of it unchanged.
 *
 *   npm run build && node dist/bench/demo-fingerprint.js [--job <dir>]
 *
 * Runs the built `salvage demo` into a job directory (the same one each time, since the
 * changeset records file locations), renders `salvage diff` in every format, and prints a
 * sha256 a line for the changeset, the patch, the undo, the manifest, the pulled records,
 * the rejected lines, the reports and the demo's own output, then one line for them all.
 * Two runs on the same code print the same lines; compare a run before and after a change.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'salvage.js');
const { values: args } = parseArgs({ options: { job: { type: 'string', default: path.join(tmpdir(), 'salvage-demo-fingerprint') } } });
const job = path.resolve(args.job ?? '');
const FORMATS = ['text', 'md', 'html', 'json'] as const;

// No terminal, no colour, no pager: the output a script would capture.
const env = { ...process.env, CI: '1', NO_COLOR: '1', PAGER: 'cat', TERM: 'dumb' };
const run = (argv: string[]) => execFileSync(process.execPath, [bin, ...argv], { env, maxBuffer: 1 << 30, cwd: root }).toString('utf8');

const sha = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
const lines: Array<[string, string]> = [];

lines.push(['demo output', sha(run(['--job', job, '--no-progress', 'demo']).split(job).join('<job>'))]);
for (const name of ['changeset.json', 'patch/patch.sql', 'patch/undo.sql', 'patch/manifest.json']) {
  lines.push([name, sha(readFileSync(path.join(job, name)))]);
}
for (const folder of ['records', 'rejected']) {
  const dir = path.join(job, folder);
  for (const file of existsSync(dir) ? readdirSync(dir).sort() : []) lines.push([`${folder}/${file}`, sha(readFileSync(path.join(dir, file)))]);
}
for (const format of FORMATS) {
  lines.push([`diff --format ${format}`, sha(run(['--config', path.join(job, 'salvage.yaml'), '--no-progress', 'diff', '--format', format]))]);
}
const width = Math.max(...lines.map(([name]) => name.length));
for (const [name, hash] of lines) process.stdout.write(`${name.padEnd(width)}  ${hash}\n`);
process.stdout.write(`${'ALL'.padEnd(width)}  ${sha(lines.map(([n, h]) => `${n} ${h}`).join('\n'))}\n`);
