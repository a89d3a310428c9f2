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
 * `--existing` hashes a job directory the demo already filled, without running it again.
 *
 * What differs from run to run by design is replaced before hashing, and only that: the
 * instant of the pull (`observedAt`) and of the changeset and the patch (`createdAt`), the
 * ports the embedded databases and the local replays listen on, the embedded databases'
 * system identifiers (made at initdb), and the changeset's own sha256 (in the manifest),
 * which follows from the first two.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'salvage.js');
const { values: args } = parseArgs({
  options: { job: { type: 'string' }, existing: { type: 'boolean', default: false } },
});
// A job folder of its own per run unless one is named: two runs at once must not share one.
const scratch = args.job === undefined ? mkdtempSync(path.join(tmpdir(), 'salvage-demo-fingerprint-')) : undefined;
const job = path.resolve(args.job ?? path.join(scratch ?? '', 'job'));
const FORMATS = ['text', 'md', 'html', 'json'] as const;

// No terminal, no colour, no pager: the output a script would capture.
const env = { ...process.env, CI: '1', NO_COLOR: '1', PAGER: 'cat', TERM: 'dumb' };
const run = (argv: string[]) => execFileSync(process.execPath, [bin, ...argv], { env, maxBuffer: 1 << 30, cwd: root }).toString('utf8');

const sha = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');
const lines: Array<[string, string]> = [];

const demoOutput = args.existing ? undefined : run(['--job', job, '--no-progress', 'demo']);
const read = (name: string) => readFileSync(path.join(job, name), 'utf8');
const changesetText = read('changeset.json');
const changeset = JSON.parse(changesetText) as { createdAt: string; backup?: { identity?: { systemIdentifier?: string } }; target?: { identity?: { systemIdentifier?: string } } };
const manifest = JSON.parse(read('patch/manifest.json')) as { createdAt: string };
const recordFiles = (folder: string) => (existsSync(path.join(job, folder)) ? readdirSync(path.join(job, folder)).filter((f) => f.endsWith('.ndjson')).sort() : []);
const observedAt = new Set(
  recordFiles('records').flatMap((file) => {
    const first = read(`records/${file}`).split('\n', 1)[0];
    return first ? [(JSON.parse(first) as { observedAt: string }).observedAt] : [];
  }),
);
const varying: Array<[string, string]> = [
  [changeset.createdAt, '<changeset createdAt>'],
  [manifest.createdAt, '<patch createdAt>'],
  [sha(changesetText), '<changeset sha256>'],
  ...[...observedAt].map((at): [string, string] => [at, '<observedAt>']),
  ...[changeset.backup?.identity?.systemIdentifier, changeset.target?.identity?.systemIdentifier].flatMap((id): Array<[string, string]> => (id ? [[id, '<system identifier>']] : [])),
  [job, '<job>'],
];
const steady = (text: string) => varying.reduce((t, [from, to]) => t.split(from).join(to), text).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');

if (demoOutput !== undefined) lines.push(['demo output', sha(steady(demoOutput))]);
for (const name of ['changeset.json', 'patch/patch.sql', 'patch/undo.sql', 'patch/manifest.json']) lines.push([name, sha(steady(read(name)))]);
// A records file is a set to reconcile, and a pull that runs requests concurrently (Stripe's
// time slices) writes its lines in the order the answers came: hashed in sorted order.
const sortedLines = (text: string) => text.split('\n').sort().join('\n');
for (const folder of ['records', 'rejected']) for (const file of recordFiles(folder)) lines.push([`${folder}/${file}`, sha(sortedLines(steady(read(`${folder}/${file}`))))]);
for (const format of FORMATS) {
  lines.push([`diff --format ${format}`, sha(steady(run(['--config', path.join(job, 'salvage.yaml'), '--no-progress', 'diff', '--format', format])))]);
}
const width = Math.max(...lines.map(([name]) => name.length));
for (const [name, hash] of lines) process.stdout.write(`${name.padEnd(width)}  ${hash}\n`);
process.stdout.write(`${'ALL'.padEnd(width)}  ${sha(lines.map(([n, h]) => `${n} ${h}`).join('\n'))}\n`);
if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
