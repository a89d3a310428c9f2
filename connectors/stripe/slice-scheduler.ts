/**
 * Runs time slices concurrently and hands back each one as it completes.
 *
 * Up to `concurrency` slices are in flight; slices enqueue more as they split. The
 * results come out one at a time through an async generator, so the consumer (the
 * records sink) writes a complete slice and checkpoints it before the next. A slice
 * that fails is put back (its remaining range, whole) up to `maxAttempts` times;
 * any other failure stops every slice and is thrown to the consumer.
 */
import { setMaxListeners } from 'node:events';
import { SliceFailedError, type PulledSlice, type SliceWorkQueue } from './slice-puller.js';
import type { TimeSlice } from './slices.js';

export interface SliceSchedulerOptions {
  concurrency: number;
  /**
   * Whether more concurrent slices would help (default: always, up to `concurrency`).
   * Each split costs a partly filled page, so splitting stops once something else
   * (the rate limit) is what holds the pull back.
   */
  wantsMoreConcurrency?: () => boolean;
  /** Tries per slice, counting the first. */
  maxAttempts: number;
  pull(slice: TimeSlice, queue: SliceWorkQueue, signal: AbortSignal): Promise<PulledSlice>;
  /** Whether a slice that failed this way is worth pulling again. */
  isRetryable(reason: unknown): boolean;
  onRetry?(slice: TimeSlice, reason: unknown): void;
  signal?: AbortSignal;
}

export async function* runSlices(initial: readonly TimeSlice[], options: SliceSchedulerOptions): AsyncGenerator<PulledSlice> {
  const pending: TimeSlice[] = [...initial];
  const done: PulledSlice[] = [];
  const stop = new AbortController();
  // Every waiting request listens for the stop; that is many listeners by design, not a leak.
  setMaxListeners(Math.max(10, options.concurrency * 4), stop.signal);
  const onOuterAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let running = 0;
  let failure: { reason: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  const queue: SliceWorkQueue = {
    spareCapacity: () =>
      (options.wantsMoreConcurrency?.() ?? true) ? Math.max(0, options.concurrency - running - pending.length) : 0,
    enqueue: (slice) => {
      pending.push(slice);
      startSlices();
    },
  };

  function fail(reason: unknown): void {
    failure ??= { reason };
    stop.abort(reason);
    notify();
  }

  async function runOne(slice: TimeSlice): Promise<void> {
    try {
      done.push(await options.pull(slice, queue, stop.signal));
    } catch (reason) {
      if (!stop.signal.aborted) retryOrFail(reason);
    } finally {
      running--;
      startSlices();
      notify();
    }
  }

  function retryOrFail(reason: unknown): void {
    const remaining = reason instanceof SliceFailedError ? reason.remaining : undefined;
    const cause = reason instanceof SliceFailedError ? reason.reason : reason;
    if (remaining && remaining.attempt < options.maxAttempts && options.isRetryable(cause)) {
      try {
        options.onRetry?.(remaining, cause);
      } catch {
        // A failing log line must not lose a slice.
      }
      pending.push({ ...remaining, attempt: remaining.attempt + 1 });
    } else {
      fail(cause);
    }
  }

  function startSlices(): void {
    while (!failure && !stop.signal.aborted && running < options.concurrency) {
      const slice = pending.shift();
      if (!slice) break;
      running++;
      void runOne(slice);
    }
  }

  try {
    startSlices();
    for (;;) {
      if (failure) throw failure.reason;
      options.signal?.throwIfAborted();
      const next = done.shift();
      if (next) {
        yield next;
        continue;
      }
      if (running === 0 && pending.length === 0) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // The consumer stopped (finished, failed or was interrupted): no new requests.
    stop.abort(new Error('the pull was stopped'));
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}
