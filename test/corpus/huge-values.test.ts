/**
 * Corpus, huge values: one field of 1 MB, and of 100 MB, without whitespace, shaped to
 * make a backtracking pattern work quadratically (a URL-like prefix with no password, a
 * scheme run before `://`, a user part without `:`). Every pattern that runs over data
 * must get through them in linear time, and give the same result as before.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redact, redactPieces } from '../../src/runtime/secrets.js';
import { redactUrlPasswords } from '../../src/runtime/url-password.js';
import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { seededRandom } from '../fakes/stripe/random.js';
import { changesetOf } from '../support/changeset.js';
import { caseDir, cliAvailable, salvage } from './support.js';
import { writeChangeset } from '../../src/changeset/write-changeset.js';
import { registerSecretPatterns } from '../../src/records/source-kind.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

// The shapes of Stripe keys and Google tokens come from their kinds, as the CLI registers them.
registerSecretPatterns(SOURCE_KINDS);

/** The expression the URL scan replaces: the reference its results must equal. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s/]+@/gi;
const byExpression = (text: string) => text.replace(URL_PASSWORD, (_whole, user: string) => `${user}***@`);

const MB = 1024 * 1024;
/** Values that keep a backtracking engine busy: long runs that almost make a credential URL. */
const HOSTILE: Array<[string, (size: number) => string]> = [
  ['a scheme run before ://', (n) => `${'a'.repeat(n)}://user`],
  ['a user part without a colon', (n) => `db://${'u'.repeat(n)}`],
  ['a password without @', (n) => `db://u:${'p'.repeat(n)}`],
  ['://, repeated', (n) => 'a://'.repeat(n / 4)],
  ['user:, repeated after one scheme', (n) => `x://${'a:'.repeat(n / 2)}`],
  ['stripe-like prefixes, repeated', (n) => 'sk_live_'.repeat(n / 8)],
];

describe('corpus: values of 1 MB and 100 MB', () => {
  it('the one-pass URL scan redacts exactly what the expression did (50,000 random texts)', () => {
    const random = seededRandom(20);
    const alphabet = ['a', 'Z', '9', '+', '.', '-', ':', '/', '@', ' ', '\n', '\u00a0', 'db', '://', 'u:p@', 'é', '_'];
    for (let n = 0; n < 50_000; n++) {
      let text = '';
      const length = Math.floor(random() * 24);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      expect(redactUrlPasswords(text, '***'), JSON.stringify(text)).toBe(byExpression(text));
    }
    expect(redactUrlPasswords('see postgres://admin:s3cr3t@db/prod and HTTP://x:y@h', '***')).toBe('see postgres://admin:***@db/prod and HTTP://x:***@h');
  });

  it.each(HOSTILE)('redact gets through 1 MB of %s at once, and 100 MB in linear time', { timeout: 120_000 }, (_shape, make) => {
    // The quadratic expression needed more than ten minutes for 1 MB; a linear scan needs milliseconds.
    const small = make(MB);
    let started = performance.now();
    expect(redact(small).length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(5_000);

    const large = make(100 * MB);
    started = performance.now();
    redact(large);
    expect(performance.now() - started).toBeLessThan(60_000);
  });

  it('redactPieces without whitespace in any secret gives what redact gives for the whole text, however it is split', () => {
    const random = seededRandom(9);
    const fragments = ['postgres://admin:s3cr3t@db/prod', 'a://', 'u:p@', ' ', '\n', 'x'.repeat(50), 'sk_live_', 'abcdefgh12345678', 'ya29.', '0123456789ab'];
    for (let n = 0; n < 2_000; n++) {
      let text = '';
      for (let i = Math.floor(random() * 80); i > 0; i--) text += fragments[Math.floor(random() * fragments.length)];
      const pieces: string[] = [];
      for (let at = 0; at < text.length; ) {
        const step = 1 + Math.floor(random() * 30);
        pieces.push(text.slice(at, at + step));
        at += step;
      }
      expect([...redactPieces(pieces, 64)].join('')).toBe(redact(text));
    }
  });

  it('redactPieces scans a 100 MB value without whitespace once, not once per block', { timeout: 120_000 }, () => {
    const piece = 'x'.repeat(64 * 1024);
    const started = performance.now();
    let out = 0;
    for (const block of redactPieces((function* () {
      for (let i = 0; i < 1600; i++) yield piece;
      yield ' end';
    })())) out += block.length;
    expect(out).toBe(1600 * piece.length + 4);
    expect(performance.now() - started).toBeLessThan(60_000);
  });

  it.runIf(cliAvailable())('salvage diff of a changeset holding a 1 MB value without whitespace finishes and shows it whole', { timeout: 120_000 }, async () => {
    const job = await caseDir('huge-value');
    await writeFile(path.join(job, 'salvage.yaml'), 'job: .\nwindow: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources: {}\n');
    const value = `${'a'.repeat(MB)}://user`;
    const change: Change = { id: 'public.notes#1', table: 'public.notes', kind: 'insert', key: { id: '1' }, values: { id: '1', body: value }, evidence: { body: [{ source: 's', record: 'r', ref: 'file://x.csv#L2', rule: 'notes.yaml#r' }] } };
    const changeset: Changeset = changesetOf(
      [{ table: 'public.notes', schema: 'public', name: 'notes', primaryKey: ['id'], columns: { id: 'bigint', body: 'text' }, counts: { insert: 1, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 } }],
      [change],
    );
    await writeChangeset(path.join(job, 'changeset.json'), changeset);
    const result = await salvage(['diff'], job, {}, 100_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(value);
  });
});
