/**
 * An adaptive pacer shared by every concurrent slice of a pull.
 *
 * Stripe counts requests per second per account (documented: about 100 reads/s in
 * live mode, 25 in test mode), and its answer to too many is a 429. Sending requests
 * evenly spaced at a target rate keeps a pull just under that ceiling instead of
 * bursting into it; when a 429 comes anyway (the limit is shared with the business's
 * own traffic, or lower than documented), everyone pauses and the rate drops
 * multiplicatively, then climbs back additively with each success (AIMD, as TCP
 * does): quickly up to just under the rate that was last throttled (probably safe),
 * slowly above it (probing), so the pull settles near whatever the real ceiling is.
 *
 * Slots missed while the process was busy (parsing a large page, a GC pause) may be
 * made up, but only a few (`BURST_SECONDS` worth): in any one second at most
 * rate x (1 + BURST_SECONDS) requests go out, still under the ceiling the rate was
 * chosen below.
 */
import type { Clock } from './clock.js';

export interface AdaptiveRateLimiterOptions {
  /** The rate never exceeded, in requests per second; also where the pacer starts. */
  maxRequestsPerSecond: number;
  /** The floor the rate never drops below after 429s (default 1/s). */
  minRequestsPerSecond?: number;
  /** First delay of the exponential backoff after a failure, in ms (default 500). */
  backoffBaseMs?: number;
  /**
   * First pause after a 429 without Retry-After, in ms (default 100): short, because
   * the lower rate is what cures throttling; the pause only lets the server's window pass.
   */
  throttleBackoffBaseMs?: number;
  /** Longest backoff, in ms (default 20 s). */
  backoffMaxMs?: number;
  clock: Clock;
  /** Called as each request is let through (for progress: requests per second). */
  onRequest?: () => void;
}

/** Permission to send one request; tells the limiter when it was sent. */
export interface Permit {
  readonly sentAt: number;
}

/** The share of the rate kept after a 429. */
const DECREASE_FACTOR = 0.8;
/** Successes to climb from nothing to the maximum rate: below the last throttled rate, and above it. */
const SUCCESSES_TO_FULL_RATE_FAST = 40;
const SUCCESSES_TO_FULL_RATE_PROBING = 400;
/** Below the rate that was last throttled, this share of it is taken as safe. */
const SAFE_SHARE_OF_THROTTLED_RATE = 0.9;
/**
 * Stripe counts requests per second, so for a second after a slow-down the server
 * still remembers the excess that caused it: 429s in that second are the same signal.
 */
const SAME_SIGNAL_MS = 1000;
/** How much missed pacing may be made up at once, in seconds of the current rate. */
const BURST_SECONDS = 0.05;

export class AdaptiveRateLimiter {
  private rate: number;
  private readonly maxRate: number;
  private readonly minRate: number;
  private readonly backoffBaseMs: number;
  private readonly throttleBackoffBaseMs: number;
  private readonly backoffMaxMs: number;
  /** The rate up to which recovery is quick: just under where the last 429 came. */
  private safeRate: number;
  private readonly clock: Clock;
  private nextSlotAt = 0;
  private pausedUntil = 0;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private sleepers = 0;
  readonly stats = { requests: 0, throttled: 0, lowestRate: 0 };

  constructor(private readonly options: AdaptiveRateLimiterOptions) {
    if (!(options.maxRequestsPerSecond > 0)) throw new RangeError('maxRequestsPerSecond must be positive');
    this.maxRate = options.maxRequestsPerSecond;
    this.minRate = Math.min(options.minRequestsPerSecond ?? 1, this.maxRate);
    this.rate = this.maxRate;
    this.stats.lowestRate = this.rate;
    this.safeRate = this.maxRate;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.throttleBackoffBaseMs = options.throttleBackoffBaseMs ?? 100;
    this.backoffMaxMs = options.backoffMaxMs ?? 20_000;
    this.clock = options.clock;
  }

  /** The current target in requests per second. */
  get requestsPerSecond(): number {
    return this.rate;
  }

  /**
   * True while requests queue for their slot: the rate, not the number of concurrent
   * requests, is what limits the pull, and more concurrency would only wait too.
   */
  get saturated(): boolean {
    return this.sleepers > 0;
  }

  /** Waits for this request's turn: the next evenly spaced slot, after any pause. */
  async acquire(signal?: AbortSignal): Promise<Permit> {
    for (;;) {
      const now = this.clock.now();
      const interval = 1000 / this.rate;
      const earliest = now - BURST_SECONDS * 1000;
      const slot = Math.max(earliest, this.nextSlotAt, this.pausedUntil);
      this.nextSlotAt = slot + interval;
      if (slot > now) {
        this.sleepers++;
        try {
          await this.clock.sleep(slot - now, signal);
        } finally {
          this.sleepers--;
        }
      }
      signal?.throwIfAborted();
      // A 429 elsewhere may have paused everyone while we slept: queue again behind the pause.
      if (this.pausedUntil <= this.clock.now()) break;
    }
    this.stats.requests++;
    this.options.onRequest?.();
    return { sentAt: this.clock.now() };
  }

  /** A request went through: recover some rate, unless it was sent before the last slow-down. */
  succeeded(permit: Permit): void {
    if (permit.sentAt <= this.lastDecreaseAt) return;
    const successes = this.rate < this.safeRate ? SUCCESSES_TO_FULL_RATE_FAST : SUCCESSES_TO_FULL_RATE_PROBING;
    this.rate = Math.min(this.maxRate, this.rate + this.maxRate / successes);
  }

  /**
   * A request got a 429. Pauses every request for `retryAfterMs` (the server's
   * Retry-After) or an exponential backoff with jitter, and slows the pace. Requests
   * that were already on their way when the rate last dropped, or 429s within a
   * second of it, do not drop it again: one burst of 429s is one signal, not ten.
   * Returns the pause in ms.
   */
  throttled(permit: Permit, retryAfterMs: number | undefined, attempt: number): number {
    this.stats.throttled++;
    const now = this.clock.now();
    if (permit.sentAt > this.lastDecreaseAt && now - this.lastDecreaseAt >= SAME_SIGNAL_MS) {
      this.safeRate = this.rate * SAFE_SHARE_OF_THROTTLED_RATE;
      this.rate = Math.max(this.minRate, this.rate * DECREASE_FACTOR);
      this.stats.lowestRate = Math.min(this.stats.lowestRate, this.rate);
      this.lastDecreaseAt = now;
    }
    // Jitter spreads the restart so that the waiting slices do not all hit the same second.
    const pause =
      retryAfterMs !== undefined
        ? retryAfterMs + this.clock.random() * Math.min(250, retryAfterMs * 0.1 + 10)
        : this.backoffMs(attempt, this.throttleBackoffBaseMs);
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
    // Slots handed out before the pause are void; spacing starts again after it.
    this.nextSlotAt = this.pausedUntil;
    return pause;
  }

  /** Exponential backoff with jitter ("equal jitter": half fixed, half random), capped. */
  backoffMs(attempt: number, baseMs: number = this.backoffBaseMs): number {
    const ceiling = Math.min(this.backoffMaxMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return ceiling / 2 + this.clock.random() * (ceiling / 2);
  }
}
