/**
 * What salvage.yaml says about a `kind: stripe` source, and the knobs tests and
 * benchmarks turn (the config does not expose them: the defaults are the product).
 */
import { parseApiBase, type StripeEndpoint } from './api-base.js';
import type { Clock } from './clock.js';
import { checkStripeKey, type StripeKeyInfo } from './key-guard.js';
import { resolveObjectKinds, type StripeObjectKind } from './objects.js';
import { SourceInputError } from '../../src/records/connector.js';

export interface StripeSourceOptions {
  /** A restricted read-only key (`rk_live_...`/`rk_test_...`), given as `env:NAME` in the config. */
  apiKey: string;
  /** Default: the real Stripe API. For tests, proxies and replays. */
  apiBase?: string;
  /** Object kinds to pull (default: all of DEFAULT_OBJECTS, events included). */
  objects?: string[];
  /** Pull a connected account's objects (`Stripe-Account` header). */
  connectedAccount?: string;
  /**
   * Connect platforms: `all` pulls the platform's own objects and every connected
   * account's (listed from /v1/accounts at pull time, so accounts created in the window
   * are in), each with its `Stripe-Account` header; a list pulls the platform and those.
   */
  accounts?: 'all' | string[];
  /** Accept a secret key (`sk_`); salvage still sends only GET requests. */
  allowSecretKey?: boolean;
}

export interface StripeTuning {
  /**
   * Target requests per second (default: 90% of Stripe's documented read limit for the
   * key's mode: 90 live, 22.5 test), lowered automatically on 429s.
   */
  requestsPerSecond?: number;
  /** Slices pulled at once (default 32): enough to keep the rate busy at a few hundred ms of latency. */
  concurrency?: number;
  /** Objects per list request, 1..100 (default 100). */
  pageSize?: number;
  /** A slice is cut into two once it holds this many objects (default 500): bounds memory, sets checkpoint granularity. */
  maxSliceObjects?: number;
  /** Tries per request on 5xx/connection errors (default 5). */
  maxRequestAttempts?: number;
  /** Consecutive 429s for one request before giving up (default 12). */
  maxThrottles?: number;
  /** Tries per slice, re-pulled whole after its requests gave up (default 3). */
  maxSliceAttempts?: number;
  /** First backoff delay in ms after a failure (default 500); after a 429 without Retry-After, a fifth of it. */
  backoffBaseMs?: number;
  /** Per-request timeout in ms (default 30 s). */
  requestTimeoutMs?: number;
  /** "Now", for the 30-day events horizon (default: the system clock). */
  now?: () => Date;
  clock?: Clock;
  /** Where live progress goes on a terminal (default stderr). */
  progressStream?: NodeJS.WriteStream;
}

/** Stripe's documented read limits per second; salvage aims a little under them. */
export const DOCUMENTED_READ_LIMIT = { live: 100, test: 25 } as const;
export const DEFAULT_RATE_SHARE = 0.9;

const ACCOUNT_ID = /^acct_[A-Za-z0-9]+$/;

export interface ValidatedStripeOptions {
  apiKey: string;
  key: StripeKeyInfo;
  endpoint?: StripeEndpoint;
  kinds: StripeObjectKind[];
  connectedAccount?: string;
  accounts?: 'all' | string[];
}

/** Every check that needs no request; throws SourceInputError (StripeKeyRefusedError for a refused key). */
export function validateStripeOptions(options: StripeSourceOptions, where: string): ValidatedStripeOptions {
  const key = checkStripeKey(options.apiKey ?? '', options.allowSecretKey === true, where);
  const endpoint = parseApiBase(options.apiBase, where);
  const kinds = resolveObjectKinds(options.objects, where);
  const account = options.connectedAccount?.trim();
  if (account !== undefined && !ACCOUNT_ID.test(account)) {
    throw new SourceInputError(`connectedAccount must be an account id like acct_1A2b3C (got "${account}")`, where);
  }
  const accounts = options.accounts;
  if (accounts !== undefined) {
    if (account) throw new SourceInputError('give either connectedAccount (one account) or accounts (a Connect platform), not both', where);
    const bad = accounts === 'all' ? [] : accounts.filter((id) => !ACCOUNT_ID.test(id));
    if (bad.length) throw new SourceInputError(`accounts must be "all" or account ids like acct_1A2b3C (got ${bad.map((id) => `"${id}"`).join(', ')})`, where);
  }
  return { apiKey: options.apiKey.trim(), key, endpoint, kinds, connectedAccount: account || undefined, ...(accounts !== undefined ? { accounts } : {}) };
}
