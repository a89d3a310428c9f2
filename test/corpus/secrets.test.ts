/**
 * Corpus, secrets: a canary run. Keys, tokens and passwords go into the config (through
 * env:, as the docs say) and into source data fields that look like secrets; every CLI
 * command then runs, including the error paths (a refused key, servers that echo the
 * credential back, unreachable and misnamed targets, a corrupt records file), and every
 * captured stream and every file written in the job directory is searched for them.
 *
 * Findings are collected per canary (which file or stream leaked it) and asserted empty,
 * so a failure says exactly where each value escaped.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN as FAKE_GCAL_TOKEN, booking, CALENDARS, KAYAKS } from '../fakes/google-calendar/scenario.js';
import { startFakeCalendar, type FakeCalendarServer } from '../fakes/google-calendar/server.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { caseDir, cliAvailable, listFiles, OBSERVED_WINDOW, query, salvage, writeFiles, type CliOutcome } from './support.js';

const pgUp = await postgresAvailable();

/** Secrets the config resolves from the environment. */
const CONFIG_SECRETS = {
  'stripe secret key (sk_live_)': 'sk' + '_live_51CANARYcfgSecretKey0123456789abcdefXYZ',
  'stripe restricted key (rk_live_)': 'rk' + '_live_51CANARYcfgRestrictedKey0123456789abcdef',
  'google access token (ya29.)': 'ya' + '29.CANARYcfgGoogleAccessToken-0123456789_abcdef',
  'google token rejected by the server': 'ya' + '29.CANARYcfgRejectedToken-9876543210_zyxwvu',
  'imap password': 'CANARYcfgImapPass-Tr0ub4dor&3',
  'backup database password': 'CANARYcfgBackupDbPass42',
  'target database password': 'CANARYcfgTargetDbPass43',
  'unreachable target password': 'CANARYcfgUnreachableDbPass44',
  'wrong-role target password': 'CANARYcfgWrongRoleDbPass45',
} as const;

/** Values in the exported data that look like secrets (and two that repeat config secrets). */
const DATA_SECRETS = {
  'data: stripe secret key': 'sk' + '_live_51CANARYdataKey0123456789abcdefghij',
  'data: stripe restricted key': 'rk' + '_live_51CANARYdataRestricted0123456789ab',
  'data: google token': 'ya' + '29.CANARYdataGoogleToken-0123456789',
  'data: database URL password': 'CANARYdataDbUrlPass',
  'data: password column': 'CANARYdataHunter2',
} as const;

type Place = string;

describe.runIf(pgUp && cliAvailable())('corpus: the secrets canary', () => {
  let backup: TestDatabase;
  let target: TestDatabase;
  let fake: FakeCalendarServer;
  let echo: Server;
  let dir: string;
  const outputs: Array<{ command: string; result: CliOutcome }> = [];
  let env: NodeJS.ProcessEnv;

  /** Answers every request with 401 and the credential it was sent, as a careless proxy or API would. */
  async function startEchoServer(): Promise<{ server: Server; url: string }> {
    const server = createServer((req, res) => {
      req.resume();
      const credential = String(req.headers.authorization ?? '');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: 401,
            type: 'invalid_request_error',
            message: `Invalid API Key provided: ${credential.replace(/^(Bearer|Basic) /, '')} (${credential})`,
            errors: [{ reason: 'authError', message: `Invalid Credentials: ${credential}` }],
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
  }

  beforeAll(async () => {
    backup = await createTestDatabase('corpus_secrets_backup');
    target = await createTestDatabase('corpus_secrets_target');
    const schema = `CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text, api_key text, token text, note text);
      INSERT INTO customers (email, name, note) VALUES ('ann@example.com', 'Ann', 'old note');`;
    for (const db of [backup, target]) await query(db.url, schema);

    fake = await startFakeCalendar({ calendars: CALENDARS, accessTokens: [CONFIG_SECRETS['google access token (ya29.)'], FAKE_GCAL_TOKEN], pageSize: 50 });
    for (let n = 1; n <= 3; n++) fake.store.put(KAYAKS, booking(n));
    const started = await startEchoServer();
    echo = started.server;

    const withPassword = (url: string, password: string) => {
      const u = new URL(url);
      u.password = password;
      return u.toString();
    };
    env = {
      STRIPE_API_KEY: CONFIG_SECRETS['stripe secret key (sk_live_)'],
      STRIPE_RK_KEY: CONFIG_SECRETS['stripe restricted key (rk_live_)'],
      GOOGLE_ACCESS_TOKEN: CONFIG_SECRETS['google access token (ya29.)'],
      GOOGLE_BAD_TOKEN: CONFIG_SECRETS['google token rejected by the server'],
      IMAP_USER: 'ops@fjordkayaks.example',
      IMAP_PASS: CONFIG_SECRETS['imap password'],
      BACKUP_DATABASE_URL: withPassword(backup.url, CONFIG_SECRETS['backup database password']),
      TARGET_DATABASE_URL: withPassword(target.url, CONFIG_SECRETS['target database password']),
    };

    dir = await caseDir('secrets');
    const csv = [
      'email,name,api_key,token,note,password',
      `ann@example.com,Ann,${DATA_SECRETS['data: stripe secret key']},${DATA_SECRETS['data: google token']},"rotate ${DATA_SECRETS['data: stripe restricted key']}; db postgres://app:${DATA_SECRETS['data: database URL password']}@db.example.com/prod",${DATA_SECRETS['data: password column']}`,
      // Someone pasted the live key and the token into a support note.
      `bob@example.com,Bob,${CONFIG_SECRETS['stripe secret key (sk_live_)']},${CONFIG_SECRETS['google access token (ya29.)']},"imap pass is ${CONFIG_SECRETS['imap password']}",`,
      '',
    ].join('\n');
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job
backup: { url: env:BACKUP_DATABASE_URL }
target: { url: env:TARGET_DATABASE_URL }
${OBSERVED_WINDOW}
mappings: ./mappings
sources:
  customers:    { kind: csv, files: [exports/customers.csv] }
  calendar:     { kind: google-calendar, accessToken: env:GOOGLE_ACCESS_TOKEN, calendarIds: ['${KAYAKS}'], apiBase: '${fake.rootUrl}' }
  calendar_bad: { kind: google-calendar, accessToken: env:GOOGLE_BAD_TOKEN, calendarIds: ['${KAYAKS}'], apiBase: '${started.url}' }
  payments:     { kind: stripe, apiKey: env:STRIPE_API_KEY, apiBase: '${started.url}' }
  payments_rk:  { kind: stripe, apiKey: env:STRIPE_RK_KEY, apiBase: '${started.url}' }
  inbox:        { kind: imap, host: 127.0.0.1, port: 9, secure: false, user: env:IMAP_USER, pass: env:IMAP_PASS, mailboxes: [INBOX] }
`,
      'mappings/customers.yaml': `table: customers
match: [[email]]
rules:
  - name: row
    source: customers
    columns:
      email: { from: data.email, transform: [email] }
      name: data.name
      api_key: data.api_key
      token: data.token
      note: data.note
`,
      'exports/customers.csv': csv,
    });

    const run = async (command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
      outputs.push({ command, result: await salvage(args, dir, { ...env, ...extraEnv }, 45_000) });
    };
    for (const source of ['customers', 'calendar', 'calendar_bad', 'payments', 'payments_rk', 'inbox']) await run(`pull --source ${source}`, ['pull', '--source', source]);
    await run('pull (all)', ['pull']);
    await run('reconcile', ['reconcile']);
    for (const format of ['text', 'md', 'html', 'json']) await run(`diff --format ${format}`, ['diff', '--format', format]);
    await run('patch', ['patch']);
    await run('apply (unreachable target)', ['apply', '--confirm', 'nowhere'], { TARGET_DATABASE_URL: `postgres://salvage:${CONFIG_SECRETS['unreachable target password']}@127.0.0.1:9/nowhere` });
    await run('apply (role that does not exist)', ['apply', '--confirm', target.name], {
      TARGET_DATABASE_URL: `postgres://no_such_role:${CONFIG_SECRETS['wrong-role target password']}@127.0.0.1:5432/${target.name}`,
    });
    await run('apply (malformed URL)', ['apply', '--confirm', 'x'], { TARGET_DATABASE_URL: `postgres://u:${CONFIG_SECRETS['unreachable target password']}@[not-a-host/db` });
    await run('apply (wrong --confirm)', ['apply', '--confirm', 'production']);
    await run('apply --dry-run', ['apply', '--dry-run', '--confirm', target.name]);
    await run('apply', ['apply', '--confirm', target.name, '--actor', 'corpus']);
    await run('verify', ['verify']);
    await run('doctor', ['doctor']);
    await run('--timings reconcile', ['--timings', 'reconcile']);
    // A records file damaged by hand on a line that held secrets: the parse error quotes the line.
    const records = path.join(dir, 'job', 'records', 'customers.ndjson');
    const original = await readFile(records, 'utf8');
    const damaged = original.replace('"email":"ann@example.com"', '"email":ann@example.com');
    expect(damaged).not.toBe(original);
    await writeFile(records, damaged);
    await run('reconcile (damaged records file)', ['reconcile']);
    await writeFile(records, original);
  }, 240_000);

  afterAll(async () => {
    await fake?.close();
    await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
    await backup?.drop();
    await target?.drop();
  });

  /** canary name → every place it was found. */
  async function findLeaks(canaries: Record<string, string>, options: { includeDiffOutput: boolean; includeFiles: boolean; onlyStderr?: boolean }): Promise<Record<string, Place[]>> {
    const places: Array<{ place: Place; text: string }> = [];
    for (const { command, result } of outputs) {
      if (!options.includeDiffOutput && command.startsWith('diff')) continue;
      places.push({ place: `stderr of "salvage ${command}"`, text: result.stderr });
      if (!options.onlyStderr) places.push({ place: `stdout of "salvage ${command}"`, text: result.stdout });
    }
    if (options.includeFiles) {
      const job = path.join(dir, 'job');
      for (const file of await listFiles(job)) places.push({ place: `job/${file}`, text: (await readFile(path.join(job, file))).toString('latin1') });
    }
    const leaks: Record<string, Place[]> = {};
    for (const [name, value] of Object.entries(canaries)) {
      const found = places.filter((p) => p.text.includes(value)).map((p) => p.place);
      if (found.length) leaks[name] = found;
    }
    return leaks;
  }

  it('ran every command: the pulls that should work did, the error paths failed as they should', () => {
    if (process.env.SALVAGE_CORPUS_VERBOSE) for (const o of outputs) console.info(`$ salvage ${o.command} -> ${o.result.code}\n${o.result.stderr}`);
    const code = (command: string) => outputs.find((o) => o.command === command)?.result.code;
    expect(code('pull --source customers')).toBe(0);
    expect(code('pull --source calendar')).toBe(0);
    expect(code('pull --source calendar_bad')).toBe(1);
    expect(code('pull --source payments')).toBe(3); // a secret key is refused by a safety guard
    expect(code('pull --source payments_rk')).toBe(1);
    expect(code('pull --source inbox')).toBe(1);
    expect(code('reconcile')).toBe(0);
    for (const format of ['text', 'md', 'html', 'json']) expect(code(`diff --format ${format}`)).toBe(0);
    expect(code('patch')).toBe(0);
    expect(code('apply (unreachable target)')).toBe(1);
    expect(code('apply (role that does not exist)')).toBe(1);
    expect(code('apply (malformed URL)')).toBe(1);
    expect(code('apply (wrong --confirm)')).toBe(3);
    expect(code('apply --dry-run')).toBe(0);
    expect(code('apply')).toBe(0);
    expect(code('verify')).toBe(0);
    expect(code('doctor')).toBe(0);
    expect(code('reconcile (damaged records file)')).toBe(1);
  });

  it('config secrets never appear in logs and error messages (stderr of every command)', async () => {
    expect(await findLeaks(CONFIG_SECRETS, { includeDiffOutput: true, includeFiles: false, onlyStderr: true })).toEqual({});
  });

  it('config secrets that the data does not repeat appear in no stream and no file', async () => {
    const { 'stripe secret key (sk_live_)': _a, 'google access token (ya29.)': _b, 'imap password': _c, ...notInData } = CONFIG_SECRETS;
    expect(await findLeaks(notInData, { includeDiffOutput: true, includeFiles: true })).toEqual({});
  });

  // Found a real bug: when the source data repeated a configured secret (a live key pasted
  // into a note), the CLI's log lines redacted it, but `salvage diff` wrote it to stdout and
  // records, changeset.json, patch.sql, undo.sql and the pre-apply copy held it verbatim.
  // Records are now scrubbed on their way to disk (src/records/scrub.ts).
  it('config secrets repeated in the data are redacted from the diff output and from every file', async () => {
    const leaks = await findLeaks(CONFIG_SECRETS, { includeDiffOutput: true, includeFiles: true });
    console.info(`corpus: config secrets found:\n${JSON.stringify(leaks, null, 2)}`);
    expect(leaks).toEqual({});
  });

  // Found a real bug: values that look like secrets in source data (sk_live_/rk_live_ keys,
  // ya29. tokens, passwords in postgres:// URLs, a `password` column) were copied verbatim
  // into the records files, changeset.json, every diff format, patch.sql, undo.sql and the
  // pre-apply copy, and a parse error of a damaged records line quoted them on stderr.
  it('secret-looking values in the data appear nowhere', async () => {
    const leaks = await findLeaks(DATA_SECRETS, { includeDiffOutput: true, includeFiles: true });
    console.info(`corpus: data secrets found:\n${JSON.stringify(leaks, null, 2)}`);
    expect(leaks).toEqual({});
  });

  it('says at pull what it redacted, and never writes a placeholder: a row that needs a redacted value is reported instead', async () => {
    const pull = outputs.find((o) => o.command === 'pull --source customers')?.result;
    expect(pull?.stderr).toContain('customers: 7 values looked like a credential and were redacted (data.api_key, data.token, data.note, data.password); rows that need them are reported unrecoverable, not written with a placeholder');
    const changeset = JSON.parse(await readFile(path.join(dir, 'job', 'changeset.json'), 'utf8')) as { changes: Array<{ kind: string; values: Record<string, unknown>; reason?: string; message?: string }> };
    const bob = changeset.changes.find((c) => c.values.email === 'bob@example.com');
    expect(bob).toMatchObject({ kind: 'unrecoverable' });
    expect(JSON.stringify(bob)).toContain('api_key: its source value looked like a credential and was redacted at pull; fill it in by hand');
    expect(JSON.stringify(changeset)).not.toContain('[salvage:redacted]');
    const patch = await readFile(path.join(dir, 'job', 'patch', 'patch.sql'), 'utf8');
    expect(patch).not.toContain('redacted');
  });
});
