import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempJobDir } from '../support/flow.js';

const run = promisify(execFile);
const ROOT = path.resolve('.');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * What a user on another machine gets: the tarball `npm pack` makes, installed with
 * `npm install --global` into a prefix of its own, run by name from an empty folder
 * outside the clone. Dependencies come from the npm cache the clone's `npm ci` filled
 * (or the registry), never from the clone's node_modules.
 */
describe('the packed package', () => {
  let prefix: string;
  let env: NodeJS.ProcessEnv;
  let install: Outcome;

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) throw new Error('dist/ is missing: run "npm run build" (npm test does it)');
    const work = await tempJobDir('pack');
    // --ignore-scripts: pack the build `npm test` just made, without rebuilding dist/ under the feet of other test files.
    const packed = await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = path.join(work, packed.stdout.trim().split('\n').pop() ?? '');
    prefix = path.join(work, 'prefix');
    install = await exec('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], work);
    expect(install.code, install.stderr).toBe(0);
    env = { ...process.env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' };
  }, 600_000);

  it('installs without install scripts for npm to warn about', () => {
    expect(install.stderr).not.toMatch(/install-scripts|prepare/);
  });

  it('ships the compiled code, the launcher, the sample mappings and the vendor fakes the demo serves from, and no tests or sources', async () => {
    const installed = path.join(prefix, 'lib', 'node_modules', 'salvage');
    expect(existsSync(path.join(installed, 'dist/src/cli/main.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/connectors/csv/connector.js'))).toBe(true);
    expect(await readdir(path.join(installed, 'mappings'))).toContain('bookings.yaml');
    // Of the tests, only the one fake per vendor: `salvage demo` serves the sample incident from it.
    expect(await readdir(path.join(installed, 'dist/test'))).toEqual(['fakes']);
    expect((await readdir(path.join(installed, 'dist/test/fakes'))).sort()).toEqual(['google-calendar', 'stripe']);
    const absent = ['src', 'test', 'dist/bench', 'tsconfig.json', 'dist/test/fakes/google-calendar/test-kit.js', 'dist/test/fakes/stripe/harness.js'];
    for (const file of absent) expect(existsSync(path.join(installed, file)), file).toBe(false);
  });

  it('prints its version with --version and -V', async () => {
    const empty = await tempJobDir('pack-version');
    for (const flag of ['--version', '-V']) {
      const r = await exec('salvage', [flag], empty, env);
      expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    }
  });

  it('runs the demo from an empty folder outside the clone, and every command it suggests next works there', async () => {
    const empty = await tempJobDir('pack-demo');
    const r = await exec('salvage', ['demo'], empty, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Verdict: clean');
    const case_ = path.join(empty, 'demo-recovery');
    expect(existsSync(path.join(case_, 'patch', 'patch.sql'))).toBe(true);
    expect(existsSync(path.join(case_, 'mappings', 'bookings.yaml'))).toBe(true);

    // The demo ends with what to do next: the commands to try in its case file, then a real incident.
    const next = r.stdout.slice(r.stdout.indexOf('\nWhat next\n'));
    expect(r.stdout.indexOf('\nWhat next\n')).toBeGreaterThan(r.stdout.indexOf('Verdict: clean'));
    expect(next).toContain('In it (cd demo-recovery), try:');
    expect(next).toContain('salvage init --source');
    const suggested = [...next.matchAll(/^ {4}salvage (.+?)(?: > (\S+))?(?= {3})/gm)];
    expect(suggested.map((m) => m[1]!.split(' ')[0])).toEqual(['diff', 'diff', 'verify', 'undo']);
    for (const [, args, into] of suggested) {
      const ran = await exec('salvage', args!.split(' '), case_, env);
      expect({ args, code: ran.code }).toEqual({ args, code: 0 });
      // Only warnings on stderr (the demo's target role is a superuser); the outcome is said once, on stdout.
      for (const line of ran.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^warning: /);
      if (into) expect(ran.stdout).toMatch(/^<!doctype html>/);
    }
  }, 300_000);
});

describe('the launcher', () => {
  it('says how to build when the compiled CLI is missing', async () => {
    const dir = await tempJobDir('launcher');
    await mkdir(path.join(dir, 'bin'));
    await copyFile(path.join(ROOT, 'bin/salvage.js'), path.join(dir, 'bin/salvage.js'));
    await writeFile(path.join(dir, 'package.json'), '{ "name": "salvage", "type": "module" }\n');
    const r = await exec(process.execPath, [path.join(dir, 'bin/salvage.js'), '--version'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`salvage: the compiled CLI is missing (${path.join(dir, 'dist/src/cli/main.js')}); run "npm run build" in ${dir}${path.sep}\n`);
  });
});
