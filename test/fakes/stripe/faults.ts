/**
 * The ways the fake Stripe server misbehaves on purpose: the rate limit, scripted
 * faults for one test's exact scenario, and random faults for "complete and
 * duplicate-free whatever happens".
 */
import { seededRandom, type Random } from './random.js';

export type FaultKind =
  /** 429 as Stripe sends it: an error body, no retry headers (the SDK does not retry it). */
  | 'rate-limit'
  /** 429 with `Stripe-Should-Retry: true` and `Retry-After`. */
  | 'rate-limit-retry-after'
  /** 500 api_error. */
  | 'server-error'
  /** 503 with `Stripe-Should-Retry: false`. */
  | 'unavailable-no-retry'
  /** The socket is closed without an answer. */
  | 'drop-connection'
  /** 200 with a body that is not JSON (a proxy's error page). */
  | 'garbage';

export interface RequestInfo {
  method: string;
  path: string;
  query: Record<string, unknown>;
}

export interface FaultRule {
  kind: FaultKind;
  /** Which requests; default all. */
  when?: (request: RequestInfo) => boolean;
  /** How many times it fires (default: every matching request). */
  times?: number;
  /** Retry-After in seconds for the 429 kinds (default 1 for `rate-limit-retry-after`, none for `rate-limit`). */
  retryAfterSeconds?: number;
}

export interface RandomFaults {
  /** Chance per request, 0..1. */
  probability: number;
  kinds: readonly FaultKind[];
  seed?: number;
  /** Retry-After for random `rate-limit-retry-after` faults (default 1). */
  retryAfterSeconds?: number;
}

export class FaultPlan {
  private readonly remaining: (number | undefined)[];
  private readonly random: Random | undefined;

  constructor(
    private readonly rules: readonly FaultRule[] = [],
    private readonly randomFaults?: RandomFaults,
  ) {
    this.remaining = rules.map((rule) => rule.times);
    this.random = randomFaults ? seededRandom(randomFaults.seed ?? 1) : undefined;
  }

  /** The fault for this request, if any; scripted rules first. */
  next(request: RequestInfo): FaultRule | undefined {
    for (const [index, rule] of this.rules.entries()) {
      const left = this.remaining[index];
      if (left !== undefined && left <= 0) continue;
      if (rule.when && !rule.when(request)) continue;
      if (left !== undefined) this.remaining[index] = left - 1;
      return rule;
    }
    if (this.random && this.randomFaults && this.randomFaults.kinds.length > 0 && this.random() < this.randomFaults.probability) {
      const kinds = this.randomFaults.kinds;
      return { kind: kinds[Math.floor(this.random() * kinds.length)] as FaultKind, retryAfterSeconds: this.randomFaults.retryAfterSeconds };
    }
    return undefined;
  }
}

/** At most N admitted requests in any one-second window, as a per-account limit. */
export class SlidingWindowLimit {
  private readonly admitted: number[] = [];

  constructor(private readonly perSecond: number) {}

  admit(nowMs: number): boolean {
    while (this.admitted.length > 0 && (this.admitted[0] as number) <= nowMs - 1000) this.admitted.shift();
    if (this.admitted.length >= this.perSecond) return false;
    this.admitted.push(nowMs);
    return true;
  }
}
