/**
 * `salvage diff` writes the report as it reads changeset.json back: the CLI (in this
 * process, from the source) on a changeset large enough that the output goes out in many
 * blocks, scrubbed of the config's secrets; stopping the reader early (`| head`) ends the
 * built binary quietly, through a real pipe; and rendering from the file keeps the heap
 * far below the file's size.
 */
import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { redact, registerSecret } from '../../src/runtime/secrets.js';
import type { Changeset } from '../../src/changeset/changeset.js';
import { openChangesetView } from '../../src/report/changeset-file-view.js';
import { renderChangeset, renderPieces } from '../../src/report/render.js';
import { PR_COMMENT_MAX_CHARS, PR_SAMPLES_PER_KIND } from '../../src/report/markdown.js';
import { redactPieces } from '../../src/runtime/secrets.js';
import { collectGarbage } from '../../src/runtime/memory.js';
import { writePieces } from '../../src/cli/write-pieces.js';
import { syntheticChangeset } from '../report/fixtures.js';
import { tempJobDir } from '../support/flow.js';
import { runCli } from '../support/cli.js';
import { writeChangeset } from '../../src/changeset/write-changeset.js';
import { registerSecretPatterns } from '../../src/records/source-kind.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

// The shapes of Stripe keys and Google tokens come from their kinds, as the CLI registers them.
registerSecretPatterns(SOURCE_KINDS);

const BIN = path.resolve('bin/salvage.js');
const PASSWORD = 'Pw-diff-stream-9931';
/** The job's config holds the password inline: the one line on stderr is the warning about it, which never shows it. */
const INLINE_PASSWORD_WARNING = /^warning: \S+salvage\.yaml:2:\d+: backup\.url holds a password in salvage\.yaml itself; put the whole URL in an environment variable and write url: env:NAME\n$/;

/** A job whose config holds a password, and a changeset one of whose values leaks it. */
async function jobWith(changeset: Changeset): Promise<string> {
  const job = await tempJobDir('diff-stream');
  await writeFile(
    path.join(job, 'salvage.yaml'),
    `job: .\nbackup: { url: "postgres://salvage:${PASSWORD}@127.0.0.1:5432/none" }\nwindow: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources: {}\n`,
  );
  const leaky = changeset.changes[changeset.changes.length - 2];
  if (leaky) leaky.values.note = `copied from postgres://salvage:${PASSWORD}@127.0.0.1:5432/none by mistake`;
  await writeChangeset(path.join(job, 'changeset.json'), changeset);
  return job;
}

/** Runs the built CLI in a process of its own; `stopAfter` closes its stdout after that many bytes, as `| head -c` would. */
function salvage(args: string[], cwd: string, stopAfter: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    const out: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      bytes += chunk.length;
      if (bytes >= stopAfter) child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr }));
  });
}

describe('salvage diff on a large changeset', () => {
  // One job for the tests that only read it.
  let changeset: Changeset;
  let job: string;
  beforeAll(async () => {
    changeset = syntheticChangeset({ changes: 20_000 });
    job = await jobWith(changeset);
  });

  it('writes every format in full, the same as the report of the changeset in memory, with no secret in it', { timeout: 120_000 }, async () => {
    registerSecret(PASSWORD); // as loading the job's config does in the CLI
    for (const format of ['text', 'md', 'html']) {
      const result = await runCli(['diff', '--format', format], job);
      expect(result.stderr).toMatch(INLINE_PASSWORD_WARNING);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain(PASSWORD);
      // Markdown is for a pull-request comment: one comment's worth (the in-memory report with the same budget).
      const options = format === 'md' ? { limit: PR_SAMPLES_PER_KIND, maxChars: PR_COMMENT_MAX_CHARS } : {};
      expect(result.stdout).toBe(`${redact(renderChangeset(changeset, format, options))}\n`);
    }
    const json = await runCli(['diff', '--format', 'json'], job);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain(PASSWORD);
    expect(JSON.parse(json.stdout).changes).toHaveLength(20_000);
  });

  it('stops quietly when the reader goes away', { timeout: 120_000 }, async () => {
    for (const format of ['text', 'html', 'json']) {
      const result = await salvage(['diff', '--format', format], job, 64 * 1024);
      expect(result.stderr).toMatch(INLINE_PASSWORD_WARNING);
      expect(result.code).toBe(0);
    }
  });

  it('stops making the report as soon as its reader has gone', async () => {
    // A real pipe to a reader that takes 100 bytes and leaves, as `salvage diff | head -c 100`.
    const reader = spawn('head', ['-c', '100'], { stdio: ['pipe', 'ignore', 'ignore'] });
    let made = 0;
    const pieces = function* () {
      for (let i = 0; i < 200_000; i++, made++) yield `${'x'.repeat(1023)}\n`;
    };
    await writePieces(reader.stdin, pieces());
    // The pipe holds 64 KB: a little more than that is made, not the 200 MB.
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(5_000);
  });

  it('renders from the file with heap growth far below its size', { timeout: 120_000 }, async () => {
    const job = await tempJobDir('diff-memory');
    const file = path.join(job, 'changeset.json');
    await writeChangeset(file, syntheticChangeset({ changes: 60_000 }));
    const size = (await stat(file)).size;
    expect(size).toBeGreaterThan(40_000_000);
    for (const format of ['text', 'html', 'json']) {
      collectGarbage();
      const baseline = process.memoryUsage().heapUsed;
      let peak = baseline;
      let written = 0;
      const view = await openChangesetView(file);
      let pieces = 0;
      for (const block of redactPieces(renderPieces(view, format))) {
        written += block.length;
        if (++pieces % 200 === 0) {
          collectGarbage();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      }
      view.close();
      expect(written, format).toBeGreaterThan(size / 4);
      // What stays: the index and one block (3% of the file measured for text). The html
      // report also keeps its table of cited records, 128,000 of them here (27% measured).
      expect(peak - baseline, format).toBeLessThan(format === 'html' ? size / 2 : size / 20);
    }
  });
});
