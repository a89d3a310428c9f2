import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { tempJobDir } from '../support/flow.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';
import { runCli as salvage } from '../support/cli.js';

/**
 * The commands as a user runs them, without a terminal: their exit codes and what they
 * print, run in this process from the source (test/support/cli.ts). The built binary is
 * run once below; the packed package's (test/cli/package.test.ts) runs the demo and the
 * commands it suggests.
 */
describe('bin/salvage.js, the built CLI in a process of its own (vitest builds dist/ first)', () => {
  const bin = (args: string[]) => promisify(execFile)(process.execPath, [path.resolve('bin/salvage.js'), ...args], { env: { ...process.env, NO_COLOR: '1' } });

  it('prints help with every command, and exits 2 on bad usage', async () => {
    const help = await bin(['--help']);
    for (const command of ['pull', 'reconcile', 'diff', 'patch', 'apply', 'undo', 'demo']) expect(help.stdout).toContain(command);
    const bad = await bin(['frobnicate']).catch((error: unknown) => error as { code: number; stderr: string });
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
  });
});

describe('salvage CLI', () => {
  it('prints help with every command', async () => {
    const r = await salvage(['--help'], process.cwd());
    expect(r.code).toBe(0);
    for (const command of ['pull', 'reconcile', 'diff', 'patch', 'apply', 'undo', 'demo']) expect(r.stdout).toContain(command);
  });

  it('exits 2 on bad usage', async () => {
    expect((await salvage(['frobnicate'], process.cwd())).code).toBe(2);
  });

  it('exits 2 listing every config problem with file:line', async () => {
    const dir = await tempJobDir('cli-config');
    await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z }\nsources:\n  a: { kind: csv, files: [x], typo: 1 }\n');
    const r = await salvage(['pull'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('salvage.yaml:1:');
    expect(r.stderr).toContain('window.to: is required (string)');
    expect(r.stderr).toContain('salvage.yaml:3:31: unknown key "typo"\n');
  });

  it('reports a typo in the config without the secrets of sources the command does not read', async () => {
    const dir = await tempJobDir('cli-typo');
    await writeFile(
      path.join(dir, 'salvage.yaml'),
      'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  ledger: { kind: cvs, files: [x.csv] }\n' +
        '  stripe: { kind: stripe, apiKey: env:SALVAGE_TEST_UNSET_STRIPE_KEY }\n',
    );
    const env = { SALVAGE_TEST_UNSET_STRIPE_KEY: '' };
    const diff = await salvage(['diff'], dir, env);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain('salvage.yaml:3:19: sources.ledger.kind: kind must be one of stripe, imap, google-calendar, ics, csv, eml, jsonl (did you mean "csv"?)');
    expect(diff.stderr).not.toContain('SALVAGE_TEST_UNSET_STRIPE_KEY');
    expect((await salvage(['pull', 'ledger'], dir, env)).stderr).not.toContain('SALVAGE_TEST_UNSET_STRIPE_KEY');
    // A command that will read the key reports it with the typo: every problem it has, at once.
    const pull = await salvage(['pull'], dir, env);
    expect(pull.stderr).toContain('did you mean "csv"?');
    expect(pull.stderr).toContain('environment variable SALVAGE_TEST_UNSET_STRIPE_KEY is not set');
  });

  it('prints its version with --version and -V', async () => {
    const version = (JSON.parse(await readFile('package.json', 'utf8')) as { version: string }).version;
    expect(await salvage(['--version'], process.cwd())).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await salvage(['-V'], process.cwd())).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('exits 2 listing every mapping problem before touching any database', async () => {
    const dir = await tempJobDir('cli-mapping');
    await mkdir(path.join(dir, 'mappings'));
    await writeFile(path.join(dir, 'salvage.yaml'), 'window: { from: 2026-01-20T00:00:00Z, to: 2026-02-01T00:00:00Z }\nsources:\n  a: { kind: csv, files: [x.csv] }\n');
    await writeFile(path.join(dir, 'mappings', 't.yaml'), 'table: t\nrules:\n  - name: r\n    columns: { a: { from: x, transform: [lowr] } }\n');
    const r = await salvage(['reconcile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/t\.yaml:4:\d+: unknown transform "lowr" \(did you mean "lower"\?\)/);
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('salvage CLI against a real PostgreSQL', () => {
  let backup: TestDatabase;
  let target: TestDatabase;
  let job: string;

  beforeAll(async () => {
    backup = await createTestDatabase('cli_backup');
    target = await createTestDatabase('cli_target');
    job = await tempJobDir('cli');
    await runDemo({ kinds: SOURCE_KINDS, jobDir: job, backupUrl: backup.url, targetUrl: target.url });
  });
  afterAll(async () => {
    await backup?.drop();
    await target?.drop();
  });

  it('verify and doctor read the target and report on the patch the demo applied', async () => {
    const verify = await salvage(['verify'], job);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^all \d+ patched rows of salvage_test_cli_target_\w+ hold what the patch wrote/);
    const doctor = await salvage(['doctor'], job);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toContain('is a superuser');
    expect(doctor.stdout).toContain('GRANT INSERT (');
  });

  it('pull, reconcile, diff and patch run as commands on the demo case file', async () => {
    // The demo's Google calendar replay is gone with the demo; the file sources can be pulled again, named as the help says.
    const pulled = await salvage(['pull', 'payments', 'refunds', '--source', 'calendar'], job);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toMatch(/^pulled [\d,]+ records from 3 source\(s\)/);
    const reconciled = await salvage(['reconcile'], job);
    expect(reconciled.code).toBe(0);
    // reconcile reads the live target too: what the demo applied is there now, so nothing is left to insert.
    expect(reconciled.stdout).toMatch(/public\.bookings: 0 to insert/);
    // The summary is printed once, on stdout; stderr is for warnings and progress.
    expect(reconciled.stdout.match(/public\.bookings: /g)).toHaveLength(1);
    expect(reconciled.stderr).not.toContain('to insert');
    const diff = await salvage(['diff', '--limit', '2'], job);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('== public.bookings');
    expect(diff.stdout).not.toContain('\x1b[');
    const md = await salvage(['diff', '--format', 'md'], job);
    expect(md.stdout.length).toBeLessThan(65_536);
    expect(md.stdout).toContain('The full review, every change with its evidence: `salvage diff --format html > review.html`');
    const json = await salvage(['diff', '--format', 'json'], job);
    expect(JSON.parse(json.stdout).format).toBe('salvage.changeset/1');
    const first = (await salvage(['patch'], job)).stdout;
    expect(first).toMatch(/^patch [0-9a-f]{16}: 0 inserts, 0 updates/);
    // The same changes make the same patch, though reconciled again, later.
    expect((await salvage(['reconcile'], job)).code).toBe(0);
    expect((await salvage(['patch'], job)).stdout.split(':')[0]).toBe(first.split(':')[0]);
  });

  it('diff colours only when asked: FORCE_COLOR=1 through a pipe, never with FORCE_COLOR=0', async () => {
    const forced = await salvage(['diff', '--limit', '1'], job, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\x1b[1m');
    const off = await salvage(['diff', '--limit', '1'], job, { NO_COLOR: '', FORCE_COLOR: '0' });
    expect(off.code).toBe(0);
    expect(off.stdout).not.toContain('\x1b[');
  });

  it('says a patch is already applied before asking for anything, once, on stdout', async () => {
    // The patch re-made above writes nothing new; applied once, it is a no-op that needs no confirmation.
    expect((await salvage(['apply', '--confirm', target.name], job)).code).toBe(0);
    const again = await salvage(['apply'], job);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^patch [0-9a-f]{16} was already applied to ${target.name} at .*; nothing to do\n$`));
    expect(again.stderr).toBe('');
  });

  it('apply without a terminal refuses (exit 3) unless --confirm names the target', async () => {
    // A patch the target has not seen: the returning customer's conflict decided for the live value, so her empty phone is filled.
    const changeset = JSON.parse(await readFile(path.join(job, 'changeset.json'), 'utf8')) as { changes: Array<{ id: string; table: string; kind: string; conflicts?: Record<string, unknown> }> };
    const returning = changeset.changes.find((c) => c.table === 'public.customers' && c.kind === 'conflict');
    expect(returning?.conflicts).toHaveProperty('created_at');
    await writeFile(path.join(job, 'decisions.yaml'), `resolve:\n  "${returning?.id}":\n    created_at: { source: "(live database)" }\n`);
    expect((await salvage(['patch'], job)).code).toBe(0);
    const refused = await salvage(['apply'], job);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`pass --confirm ${target.name}`);
    expect((await salvage(['apply', '--confirm', 'prod'], job)).code).toBe(3);
    const dry = await salvage(['apply', '--dry-run', '--confirm', target.name], job);
    expect(dry.code, dry.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(job, 'patch', 'manifest.json'), 'utf8')) as { counts: Record<string, { insert: number; update: number }> };
    expect(manifest.counts['public.customers']).toEqual({ insert: 0, update: 1 });
    // This patch was never applied, so there is nothing to undo.
    const undo = await salvage(['undo', '--confirm', target.name], job);
    expect(undo.code).toBe(4);
    expect(undo.stderr).toMatch(/is not applied on .*no salvage history of it/);
    // Back to the demo's patch for the tests below.
    await rm(path.join(job, 'decisions.yaml'));
    expect((await salvage(['patch'], job)).code).toBe(0);
  });

  it('init writes a config and starter mappings from the backup, and check reports what is left to do', async () => {
    const dir = await tempJobDir('cli-init');
    const { cp } = await import('node:fs/promises');
    await cp(path.join(job, 'exports'), path.join(dir, 'exports'), { recursive: true });
    const made = await salvage(['init', '--source', 'ledger=csv:exports/payments.csv', 'invites=ics:exports/calendar.ics', '--backup-url', backup.url, '--dir', dir], dir);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/bookings/);
    expect(existsSync(path.join(dir, 'salvage.yaml'))).toBe(true);
    const again = await salvage(['init', '--source', 'csv', '--backup-url', backup.url, '--dir', dir], dir);
    expect(again.code).toBe(2);
    const checked = await salvage(['check'], dir, { BACKUP_DATABASE_URL: backup.url });
    // The booking reference lives inside the event title: init leaves it to a person, and check names it.
    expect(checked.code).toBe(2);
    expect(checked.stdout).toMatch(/mappings\/bookings\.yaml:\d+:\d+: TODO: reference \(text\) is required/);
    expect(checked.stdout).toMatch(/ledger \(csv\): not pulled yet/);
  });

});
