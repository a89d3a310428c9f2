/**
 * `salvage diff` on a terminal: through a pager, in full; without one, cut to a sample
 * with the summary again at the end. The terminal is a real pseudo-terminal, made by
 * util-linux's `script` around the built CLI (bin/salvage.js): the pager's output goes
 * to the process's own terminal, so these run the binary.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { pagerCommand } from '../../src/cli/pager.js';
import { syntheticChangeset } from '../report/fixtures.js';
import { tempJobDir } from '../support/flow.js';
import { runCli } from '../support/cli.js';
import { writeChangeset } from '../../src/changeset/write-changeset.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/salvage.js');

/** The CLI with a terminal for its stdin and stdout; what the terminal showed, line ends as the terminal has them. */
async function onTerminal(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const { stdout } = await run('script', ['-qec', command, '/dev/null'], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 64 * 1024 * 1024 });
  return stdout.replace(/\r\n/g, '\n');
}

describe('the pager', () => {
  it('is $PAGER, else less -R, and only on a terminal; PAGER=cat or empty means none', () => {
    expect(pagerCommand(true, {})).toBe('less -R');
    expect(pagerCommand(true, { PAGER: 'most' })).toBe('most');
    expect(pagerCommand(true, { PAGER: 'cat' })).toBeUndefined();
    expect(pagerCommand(true, { PAGER: '' })).toBeUndefined();
    expect(pagerCommand(false, {})).toBeUndefined();
  });
});

describe('salvage diff on a terminal', () => {
  let job: string;

  beforeAll(async () => {
    job = await tempJobDir('pager');
    await writeFile(path.join(job, 'salvage.yaml'), 'job: .\nwindow: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources: {}\n');
    await writeChangeset(path.join(job, 'changeset.json'), syntheticChangeset({ changes: 400 }));
  });

  it('goes through $PAGER, every change of it', { timeout: 60_000 }, async () => {
    const paged = path.join(job, 'paged.txt');
    const shown = await onTerminal(['diff'], job, { PAGER: `cat > '${paged}'` });
    expect(shown).toBe('');
    const text = await readFile(paged, 'utf8');
    expect(text).toMatch(/^salvage changeset for synthetic/);
    expect(text).not.toContain('more inserts');
    // All 400 changes, the last included.
    expect(text).toContain('#400\n');
  });

  it('without a pager shows a sample per kind and table, then the summary again', { timeout: 60_000 }, async () => {
    const shown = await onTerminal(['diff'], job, { PAGER: 'cat' });
    expect(shown).toContain('more inserts');
    const tail = shown.slice(shown.lastIndexOf('summary (as at the top)'));
    expect(tail).toMatch(/^summary \(as at the top\)\ntable\s+insert\s+update\s+unchanged\s+conflict\s+unrecoverable\npublic\.table_0 /);
    expect(tail).toContain('(400 changes: a terminal shows 20 of each kind per table.');
  });

  it('prints the same way when the pager cannot be started', { timeout: 60_000 }, async () => {
    const shown = await onTerminal(['diff'], job, { PAGER: 'salvage-test-no-such-pager' });
    expect(shown).toContain('salvage-test-no-such-pager: not found');
    expect(shown).toContain('summary (as at the top)');
  });

  it('is not paged, nor summed up twice, when piped', async () => {
    // Piped is what the in-process CLI sees (test/support/cli.ts): its stdout is no terminal.
    const { code, stdout } = await runCli(['diff'], job, { PAGER: 'false' });
    expect(code).toBe(0);
    expect(stdout).not.toContain('summary (as at the top)');
    expect(stdout).not.toContain('more inserts');
  });
});
