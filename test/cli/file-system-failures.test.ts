/**
 * A job folder salvage may not read, a file where the job folder must be, and a disk
 * that fills while `salvage patch` writes: each is named with its path and what to do
 * (exit 5), never "internal error", and a failed patch leaves no `.partial` behind.
 * Real file systems only: a small tmpfs where the test may mount one, /dev/full, and a
 * child process without root's rights (CI runs as root, which reads everything).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { writePatch } from '../../src/patch/patch.js';
import type { Change } from '../../src/changeset/changeset.js';
import { writeChangeset } from '../../src/changeset/write-changeset.js';
import { changesetOf } from '../support/changeset.js';
import { tempJobDir } from '../support/flow.js';
import { runCli, type CliOutcome } from '../support/cli.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/salvage.js');
const CONFIG = 'job: ./recovery\nwindow: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources: {}\n';
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/**
 * The CLI in `cwd`: in this process from the source (test/support/cli.ts), or, with
 * `asUid`, the built binary in a process of its own run as that user (only root may).
 */
async function salvage(args: string[], cwd: string, asUid?: number): Promise<CliOutcome> {
  if (asUid === undefined) return runCli(args, cwd);
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, uid: asUid, gid: asUid });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const ev = [{ source: 's', record: 'r', ref: 'file://x.csv#L2', rule: 'notes.yaml#r' }];
/** A changeset of `n` new notes, each with a body of `size` characters. */
function notes(n: number, size: number) {
  const changes: Change[] = Array.from({ length: n }, (_, i) => ({
    id: `public.notes#${i + 1}`,
    table: 'public.notes',
    kind: 'insert',
    key: { id: String(i + 1) },
    values: { id: String(i + 1), body: `O'Brien ${String(i).padStart(size, 'x')}` },
    evidence: { body: ev },
  }));
  return changesetOf([{ table: 'public.notes', schema: 'public', name: 'notes', primaryKey: ['id'], columns: { id: 'bigint', body: 'text' }, counts: { insert: n, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 } }], changes);
}

/** A case folder with salvage.yaml, and its job folder `recovery/` holding a changeset. */
async function caseWithChangeset(label: string, n = 3, size = 10): Promise<{ dir: string; job: string }> {
  const dir = await tempJobDir(label);
  const job = path.join(dir, 'recovery');
  await mkdir(job);
  await writeFile(path.join(dir, 'salvage.yaml'), CONFIG);
  await writeChangeset(path.join(job, 'changeset.json'), notes(n, size));
  return { dir, job };
}

const partials = async (dir: string) => (existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.partial')) : []);

describe('a job folder salvage cannot use', () => {
  it('a file where the job folder must be is named (exit 5), for diff and patch alike', async () => {
    const dir = await tempJobDir('job-is-file');
    await writeFile(path.join(dir, 'salvage.yaml'), CONFIG);
    await writeFile(path.join(dir, 'recovery'), 'not a folder\n');
    for (const command of ['diff', 'patch']) {
      const result = await salvage([command], dir);
      expect(result.stderr).toContain(`salvage: ${path.join(dir, 'recovery', 'changeset.json')}: part of this path is a file where salvage needs a folder (ENOTDIR`);
      expect(result.stderr).toContain('Check "job:" in salvage.yaml (or --job)');
      expect(result.stderr).not.toContain('internal error');
      expect(result.code).toBe(5);
    }
  });

  it('a job folder the user may not read is named with the user and what to do (exit 5)', async () => {
    const { dir, job } = await caseWithChangeset('unreadable');
    // Root reads any folder: the command then runs as nobody, who can reach the case folder but not the job folder.
    await chmod(dir, 0o755);
    await chmod(job, 0o000);
    try {
      const result = await salvage(['diff'], dir, isRoot ? NOBODY : undefined);
      expect(result.stderr).toMatch(new RegExp(`^salvage: permission denied on ${path.join(job, 'changeset.json').replaceAll('/', '\\/')}: the user running salvage \\(uid \\d+\\) may not read or write it \\(EACCES, stat\\)\\. Nothing was written to any database\\. Make the job folder readable and writable for that user`));
      expect(result.stderr).not.toContain('internal error');
      expect(result.code).toBe(5);
    } finally {
      await chmod(job, 0o755);
    }
  });
});

describe('a disk that fills while salvage patch writes', () => {
  const mounted: string[] = [];
  afterEach(() => {
    for (const at of mounted.splice(0)) execFileSync('umount', [at]);
  });

  /** A tmpfs of `kb` KB at `at`, or false where this process may not mount one. */
  function mountTmpfs(at: string, kb: number): boolean {
    if (!isRoot) return false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', at], { stdio: 'ignore' });
    } catch {
      return false;
    }
    mounted.push(at);
    return true;
  }

  it('on a full tmpfs: exit 5 naming the file that filled it (the patch or its rows spilled beside it), no .partial left, and the previous patch as it was', async (context) => {
    const dir = await tempJobDir('full-disk');
    const job = path.join(dir, 'recovery');
    await mkdir(job);
    if (!mountTmpfs(job, 256)) {
      context.skip();
      return;
    }
    await writeFile(path.join(dir, 'salvage.yaml'), CONFIG);
    // A first, small patch is written; then the changeset grows and the disk has room for it but not for its patch.
    await writeChangeset(path.join(job, 'changeset.json'), notes(2, 10));
    expect((await salvage(['patch'], dir)).code).toBe(0);
    const before = await Promise.all(['patch.sql', 'undo.sql', 'manifest.json'].map((f) => readFile(path.join(job, 'patch', f), 'utf8')));
    await writeChangeset(path.join(job, 'changeset.json'), notes(40, 1000));
    await fillUp(path.join(job, 'filler'), 8 * 1024);

    const result = await salvage(['patch'], dir);
    expect(result.stderr).toMatch(/^salvage: the disk is full: no space left on device to write \S+\/patch\/\S+\.partial \(ENOSPC, write\)\. Nothing was written to any database\. Free space on that file system/);
    expect(result.code).toBe(5);
    expect(await partials(path.join(job, 'patch'))).toEqual([]);
    expect(await Promise.all(['patch.sql', 'undo.sql', 'manifest.json'].map((f) => readFile(path.join(job, 'patch', f), 'utf8')))).toEqual(before);
  });

  it('on /dev/full: the write that fails takes its .partial with it, and the files already written theirs', async () => {
    const { job } = await caseWithChangeset('dev-full');
    const patch = path.join(job, 'patch');
    await mkdir(patch);
    // undo.sql is written second: patch.sql.partial is complete when undo.sql.partial hits the full device.
    await symlink('/dev/full', path.join(patch, 'undo.sql.partial'));
    const error = await writePatch(job, path.join(job, 'changeset.json')).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(await partials(patch)).toEqual([]);
    expect(await readdir(patch)).toEqual([]);
    await rm(patch, { recursive: true });
    expect((await writePatch(job, path.join(job, 'changeset.json'))).manifest.patch.statements.length).toBeGreaterThan(0);
    expect(await readdir(patch)).toEqual(['manifest.json', 'patch.sql', 'undo.sql']);
  });
});

/** Fills the file system of `file` up to `leave` bytes (about: the file system's own blocks aside). */
async function fillUp(file: string, leave: number): Promise<void> {
  const { statfs } = await import('node:fs/promises');
  const { bavail, bsize } = await statfs(path.dirname(file));
  await writeFile(file, Buffer.alloc(Math.max(0, bavail * bsize - leave)));
}
