/** The smallest batch: what a live target on the same machine or network needs. */
export const LIVE_BATCH_MIN = 250;
/** The largest: past this, a batch's changes cost more in memory than its round trips in time. */
export const LIVE_BATCH_MAX = 4000;
/** Changes added to a batch per millisecond of round trip (see liveBatchSize), in steps of the smallest. */
const PER_MS = 100;

/**
 * How many changes reconcile sends the live target per round trip, given how long one
 * round trip to it takes.
 *
 * One batch is read while the next is merged, and every change of both stays alive until
 * its read is back: the young generation's collections copy them, then promote them to
 * die in the old one. So batches are small: with a thousand changes each, collections
 * took a fifth of the merge of a million new rows against a local server, and the peak
 * was some 50 MB higher than with 250. But a read of a batch is a few round trips (its
 * keys, then each unique index), and it must be back before the next batch is merged, or
 * the merge waits on the network: merging a change takes some 20 to 30 µs, so each
 * millisecond of round trip needs about a hundred more changes in a batch to stay hidden.
 * The size moves in steps of the smallest batch, so that a server on the same machine,
 * whose round trips vary by fractions of a millisecond, always gets the same batches.
 */
export function liveBatchSize(roundTripMs: number): number {
  const steps = Math.floor((Math.max(0, roundTripMs) * PER_MS) / LIVE_BATCH_MIN);
  return Number.isFinite(steps) ? Math.min(LIVE_BATCH_MAX, LIVE_BATCH_MIN * (1 + steps)) : LIVE_BATCH_MAX;
}
