import { describe, expect, it } from 'vitest';
import { parseConfig, requireEnv, sourceWindow } from '../../src/config/load.js';
import { redact } from '../../src/runtime/secrets.js';
import { InvalidInputError } from '../../src/errors.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const VALID = `job: ./recovery
backup: { url: env:BACKUP_DATABASE_URL }
target: { url: env:TARGET_DATABASE_URL }
window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }
mappings: ./mappings
sources:
  payments:  { kind: stripe, apiKey: env:STRIPE_API_KEY, apiBase: http://127.0.0.1:12111 }
  inbox:     { kind: imap, host: 127.0.0.1, port: 10143, secure: false,
               user: env:IMAP_USER, pass: env:IMAP_PASS, mailboxes: [INBOX] }
  calendar:  { kind: google-calendar, accessToken: env:GOOGLE_ACCESS_TOKEN,
               calendarIds: [primary], apiBase: http://127.0.0.1:12112/ }
  invites:   { kind: ics, files: [exports/*.ics] }
  ledger:    { kind: csv, files: [exports/*.csv] }
  mailfiles: { kind: eml, files: [exports/mail/**/*.eml, exports/*.mbox] }
`;

const ENV = {
  BACKUP_DATABASE_URL: 'postgres://ro:pw-backup-secret@db/backup',
  TARGET_DATABASE_URL: 'postgres://rw@db/prod',
  STRIPE_API_KEY: 'rk_test_abcdefgh12345678',
  IMAP_USER: 'alice',
  IMAP_PASS: 'imap-password-123',
  GOOGLE_ACCESS_TOKEN: 'token-abcdefgh',
};

function problemsOf(text: string, env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    parseConfig(text, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env });
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('config', () => {
  it('accepts a full example of the config contract and resolves env: values', () => {
    const config = parseConfig(VALID, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: ENV });
    expect(config.jobDir).toBe('/x/recovery');
    expect(config.mappingsDir).toBe('/x/mappings');
    expect(config.backup.url).toBe(ENV.BACKUP_DATABASE_URL);
    expect(config.sources.payments).toMatchObject({ kind: 'stripe', apiKey: ENV.STRIPE_API_KEY });
    expect(config.window.since.toISOString()).toBe('2026-01-19T00:00:00.000Z');
    expect(config.window.horizon.toISOString()).toBe('2027-04-25T09:00:00.000Z');
  });

  it('gives a source its own lookback (Stripe reaching back months) while the others keep the window', () => {
    const text = VALID.replace('apiBase: http://127.0.0.1:12111 }', 'apiBase: http://127.0.0.1:12111, lookback: 180d }');
    const config = parseConfig(text, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: ENV });
    expect(sourceWindow(config, 'payments').since.toISOString()).toBe('2025-07-24T00:00:00.000Z');
    expect(sourceWindow(config, 'inbox').since.toISOString()).toBe('2026-01-19T00:00:00.000Z');
    expect(sourceWindow(config, 'payments')).toMatchObject({ from: config.window.from, to: config.window.to, horizon: config.window.horizon });
    const wrong = 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  a: { kind: csv, files: [x], lookback: half a year }\n  b: { kind: eml, files: [x], lookbak: 2d }\n';
    expect(problemsOf(wrong)).toEqual([
      '3:41: sources.a.lookback: expected a duration like 1d, 12h or 30m, got "half a year"',
      '4:31: unknown key "lookbak" (did you mean "lookback"?)',
    ]);
  });

  it('scrubs resolved secrets and URL passwords from any text', () => {
    parseConfig(VALID, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: ENV });
    expect(redact(`key ${ENV.STRIPE_API_KEY} pass ${ENV.IMAP_PASS} url ${ENV.BACKUP_DATABASE_URL}`)).toBe(
      'key *** pass *** url postgres://ro:***@db/backup',
    );
  });

  it('asks for an unset env: variable only where it is used', () => {
    const config = parseConfig(VALID, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: { ...ENV, STRIPE_API_KEY: undefined } });
    expect(() => requireEnv(config, ['backup'], ['sources', 'inbox'])).not.toThrow();
    expect(() => requireEnv(config, ['sources', 'payments'])).toThrow(
      /salvage\.yaml:7:38: environment variable STRIPE_API_KEY is not set \(export STRIPE_API_KEY=\.\.\. before running salvage\)/,
    );
  });

  it('--job overrides job:', () => {
    expect(parseConfig(VALID, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: ENV, jobDir: '/elsewhere' }).jobDir).toBe('/elsewhere');
  });

  it('reports every problem at once, each with line and column', () => {
    const text = `job: ./r
windw: {}
window: { from: 2026-01-20, to: 2026-04-25T09:00:00Z, lookback: soon }
sources:
  a: { kind: csv }
  b: { kind: ftp, files: [x] }
  c: { kind: ics, files: [x], extra: 1 }
  d: { kind: stripe, apiKey: env:MISSING_KEY }
`;
    expect(problemsOf(text, {})).toEqual([
      '2:1: unknown key "windw" (did you mean "window"?)',
      '3:17: window.from: expected an ISO-8601 instant like 2026-01-20T00:00:00Z, got "2026-01-20"',
      '3:65: window.lookback: expected a duration like 1d, 12h or 30m, got "soon"',
      '5:6: sources.a.files: is required (array)',
      '6:14: sources.b.kind: kind must be one of stripe, imap, google-calendar, ics, csv, eml, jsonl',
      '7:31: unknown key "extra"',
      '8:30: environment variable MISSING_KEY is not set (export MISSING_KEY=... before running salvage)',
    ]);
  });

  it('suggests the source kind a typo was meant to be, and nothing for a kind that is not close', () => {
    const kinds = (kind: string) => problemsOf(`window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  a: { kind: ${kind}, files: [x] }\n`);
    expect(kinds('cvs')).toEqual(['3:14: sources.a.kind: kind must be one of stripe, imap, google-calendar, ics, csv, eml, jsonl (did you mean "csv"?)']);
    expect(kinds('Stirpe')).toEqual(['3:14: sources.a.kind: kind must be one of stripe, imap, google-calendar, ics, csv, eml, jsonl (did you mean "stripe"?)']);
    expect(kinds('ftp')).toEqual(['3:14: sources.a.kind: kind must be one of stripe, imap, google-calendar, ics, csv, eml, jsonl']);
  });

  it('reports with other mistakes only the unset variables the caller says it will read', () => {
    const text = 'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nbackup: { url: env:UNSET_BACKUP }\nsources:\n  a: { kind: csv, files: [x], typo: 1 }\n';
    const problems = (needsEnv?: Array<Array<string | number>>) => {
      try {
        parseConfig(text, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: {}, needsEnv });
      } catch (error) {
        if (error instanceof InvalidInputError) return error.problems.map((p) => p.message);
        throw error;
      }
      return [];
    };
    const typo = 'unknown key "typo"';
    const unset = 'environment variable UNSET_BACKUP is not set (export UNSET_BACKUP=... before running salvage)';
    expect(problems([])).toEqual([typo]);
    expect(problems([['sources']])).toEqual([typo]);
    expect(problems([['backup']])).toEqual([unset, typo]);
    expect(problems()).toEqual([unset, typo]);
  });

  it('refuses a window that ends before it starts', () => {
    expect(problemsOf('window: { from: 2026-04-25T00:00:00Z, to: 2026-01-01T00:00:00Z }\nsources: {}\n')).toEqual([
      '1:43: window.to (when data was lost) must be after window.from (when the backup was taken)',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problemsOf('window: {from: x\nsources: [')[0]).toMatch(/^\d+:\d+: /);
  });
});

describe('secrets written into salvage.yaml', () => {
  it('warn with file:line and point to env:, and are redacted like env: secrets', () => {
    const apiKey = ['rk', 'live', 'inlineKey0123456789abcd'].join('_');
    const text = [
      'backup: { url: "postgres://ro:inline-Pa55word@db/backup" }',
      'target: { url: env:TARGET_DATABASE_URL }',
      'window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }',
      'sources:',
      `  payments: { kind: stripe, apiKey: ${apiKey} }`,
      '',
    ].join('\n');
    const config = parseConfig(text, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: ENV });
    expect(config.inlineSecrets.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '1: backup.url holds a password in salvage.yaml itself; put the whole URL in an environment variable and write url: env:NAME',
      '5: sources.payments.apiKey is written in salvage.yaml itself; put it in an environment variable and write apiKey: env:NAME',
    ]);
    expect(redact(`key ${apiKey} and inline-Pa55word`)).toBe('key *** and ***');
    expect(parseConfig(VALID, '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: ENV }).inlineSecrets).toEqual([]);
  });
});
