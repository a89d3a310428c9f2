/**
 * `salvage diff` scrubs credentials from a report written in pieces (redactPieces) rather
 * than from one string. Wherever the pieces happen to be split, the output must be what
 * `redact` makes of the whole text: no secret may slip through by straddling a split.
 */
import { describe, expect, it } from 'vitest';
import { redact, redactPieces, registerSecret } from '../../src/runtime/secrets.js';
import { seededRandom } from '../fakes/stripe/random.js';
import { registerSecretPatterns } from '../../src/records/source-kind.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

// The shapes of Stripe keys and Google tokens come from their kinds, as the CLI registers them.
registerSecretPatterns(SOURCE_KINDS);

// Registered once for this file (the registry is per process): a plain one, one with a
// space, and a PEM-like one with newlines, the kinds a config can resolve.
const PLAIN = 'hunter2-Pa55';
const SPACED = 'correct horse battery';
const PEM = '-----BEGIN KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0BAQE\n-----END KEY-----';
registerSecret(PLAIN);
registerSecret(SPACED);
registerSecret(PEM);

// Credential-shaped fragments are put together here, so that no literal in the tree looks like a real key or token.
const STRIPE_SHAPED = ['sk', 'live', 'X'.repeat(8) + '0'.repeat(16)].join('_');
const GOOGLE_SHAPED = ['ya29', `${'A'.repeat(10)}-not_a_token`].join('.');

const FRAGMENTS = [
  PLAIN, SPACED, PEM, STRIPE_SHAPED, 'rk_test_abcdefgh12345678', GOOGLE_SHAPED,
  'postgres://admin:s3cr3t@db.example/prod', ' ', '\n', '\t', 'value', 'x', '{"id":"1"}', '***', '\r\n', 'hunter2', 'correct horse', '-----BEGIN',
];

/** Text made of fragments (secrets whole and in part), cut into pieces at random points. */
function sample(seed: number): { text: string; pieces: string[] } {
  const random = seededRandom(seed);
  let text = '';
  const parts = 20 + Math.floor(random() * 200);
  for (let i = 0; i < parts; i++) text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
  const pieces: string[] = [];
  for (let at = 0; at < text.length; ) {
    const length = 1 + Math.floor(random() * 40);
    pieces.push(text.slice(at, at + length));
    at += length;
  }
  return { text, pieces };
}

describe('redactPieces', () => {
  it('gives what redact gives for the whole text, however the pieces are split (2,000 seeded cases)', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const { text, pieces } = sample(seed);
      for (const block of [1, 7, 64]) {
        const out = [...redactPieces(pieces, block)].join('');
        expect(out, `seed ${seed}, block ${block}`).toBe(redact(text));
      }
    }
  });

  it('never lets a registered secret through', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const out = [...redactPieces(sample(seed).pieces, 16)].join('');
      for (const secret of [PLAIN, SPACED, PEM]) expect(out).not.toContain(secret);
    }
  });

  it('passes text on in blocks as it goes, not all at the end', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i} with ${PLAIN} inside\n`);
    const blocks = [...redactPieces(lines, 4096)];
    expect(blocks.length).toBeGreaterThan(50);
    expect(blocks.every((b) => b.length < 4096 + 200)).toBe(true);
    expect(blocks.join('')).toBe(redact(lines.join('')));
  });

  it('keeps gathering text without whitespace, and still scrubs it', () => {
    const long = Array.from({ length: 5000 }, () => `abc${PLAIN}def`);
    const out = [...redactPieces(long, 256)].join('');
    expect(out).toBe(redact(long.join('')));
    expect(out).not.toContain(PLAIN);
  });
});
