/**
 * What kind of Stripe key salvage was given, and whether it may use it.
 *
 * A recovery runs under pressure, often with whatever key is at hand. A secret key
 * (`sk_`) can refund, delete and charge; a restricted key (`rk_`) can be limited to
 * reading. salvage only ever reads, so it insists on the safer key unless told
 * otherwise, and it never repeats the key in anything it prints.
 */
import { SourceInputError } from '../../src/records/connector.js';

export type StripeMode = 'live' | 'test';

export interface StripeKeyInfo {
  mode: StripeMode;
  kind: 'restricted' | 'secret';
}

/**
 * The key was refused by a safety rule: nothing was sent to Stripe. Its `name` stays
 * `SourceInputError` so that every caller that handles input errors handles this one;
 * `refusedBySafetyGuard` lets the CLI report it as a safety refusal (exit 3).
 */
export class StripeKeyRefusedError extends SourceInputError {
  readonly refusedBySafetyGuard = true;
}

const RESTRICTED_KEY_ADVICE =
  'Create a restricted key (rk_live_... or rk_test_...) in the Stripe Dashboard under Developers > API keys, ' +
  'give it "Read" permission on the objects you pull and nothing else, and pass it as apiKey: env:STRIPE_API_KEY';

/** Checks the key's shape before any request; throws StripeKeyRefusedError or SourceInputError. */
export function checkStripeKey(apiKey: string, allowSecretKey: boolean, where: string): StripeKeyInfo {
  const key = apiKey.trim();
  if (key === '') throw new SourceInputError('apiKey is empty', where);
  const prefix = /^(sk|rk|pk)_(live|test)_/.exec(key);
  if (!prefix) {
    throw new SourceInputError(
      `apiKey does not look like a Stripe API key (expected rk_live_..., rk_test_...; got ${describeKey(key)}). ${RESTRICTED_KEY_ADVICE}`,
      where,
    );
  }
  const kindCode = prefix[1] as 'sk' | 'rk' | 'pk';
  const mode = prefix[2] as StripeMode;
  if (kindCode === 'pk') {
    // Refused like a secret key (exit 3): the wrong kind of key for a recovery, whatever else is right.
    throw new StripeKeyRefusedError(
      `apiKey is a publishable key (pk_${mode}_...), which cannot read payments. ${RESTRICTED_KEY_ADVICE}`,
      where,
    );
  }
  if (kindCode === 'sk' && !allowSecretKey) {
    throw new StripeKeyRefusedError(
      `refusing a secret key (sk_${mode}_...): it can create refunds, delete customers and move money, and salvage ` +
        `only needs to read. ${RESTRICTED_KEY_ADVICE}. If you must use the secret key, set allowSecretKey: true ` +
        '(salvage still sends only GET requests).',
      where,
    );
  }
  return { mode, kind: kindCode === 'sk' ? 'secret' : 'restricted' };
}

/** A harmless description of a key for messages: its prefix and length, never its body. */
export function describeKey(key: string): string {
  const prefix = /^[a-z]{2}_(live|test)_/.exec(key)?.[0];
  return prefix ? `${prefix}... (${key.length} characters)` : `a value of ${key.length} characters`;
}

/** Anything that looks like a Stripe key, e.g. echoed back in an error message from a proxy. */
const KEY_LIKE = /\b(sk|rk|pk)_(live|test)_[A-Za-z0-9*]{4,}/g;

/**
 * Returns a function that removes the key (and anything key-shaped) from text. Every
 * message that leaves the connector passes through it: a last line of defence, for
 * text we did not write ourselves (server error messages).
 */
export function createKeyScrubber(apiKey: string): (text: string) => string {
  const key = apiKey.trim();
  return (text) => {
    let out = key.length >= 8 ? text.split(key).join('***') : text;
    out = out.replace(KEY_LIKE, (match, kind: string, mode: string) => `${kind}_${mode}_***`);
    return out;
  };
}
