/**
 * The `stripe` connector: every object a business needs to rebuild its payments,
 * created inside the pull window, read-only, as fast as Stripe's rate limit allows,
 * exactly once, and resumable.
 *
 * How the pieces fit:
 *   window ─▶ per kind, the `created` ranges not yet done (resume-state)
 *          ─▶ time slices pulled concurrently (slice-scheduler, slice-puller)
 *             through one adaptive rate limiter (rate-limiter, page-fetcher)
 *          ─▶ one completed slice at a time: its records, then a checkpoint.
 */
import type { Connector, PullContext } from '../../src/records/connector.js';
import { SourceInputError } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { createProgress } from '../shared/progress.js';
import { systemClock } from './clock.js';
import { changeVisibilityNote, deletedObjectRecord } from './events.js';
import { StripeRequestError } from './failures.js';
import { createKeyScrubber } from './key-guard.js';
import { EVENTS_KIND_NAME, type StripeObjectKind } from './objects.js';
import { DEFAULT_RATE_SHARE, DOCUMENTED_READ_LIMIT, validateStripeOptions, type StripeSourceOptions, type StripeTuning } from './options.js';
import { createPageFetcher } from './page-fetcher.js';
import { AdaptiveRateLimiter } from './rate-limiter.js';
import { objectRecord, type RecordContext } from './records.js';
import { PullLedger, readResumeState } from './resume-state.js';
import { pullSlice } from './slice-puller.js';
import { runSlices } from './slice-scheduler.js';
import { describeSlice, isoSecond, totalSeconds, windowRange, type TimeSlice } from './slices.js';

export function stripeConnector(options: StripeSourceOptions, tuning: StripeTuning = {}): Connector {
  return {
    kind: 'stripe',
    pull: (context) => pullStripe(options, tuning, context),
  };
}

const DEFAULTS = {
  concurrency: 32,
  pageSize: 100,
  maxSliceObjects: 500,
  maxRequestAttempts: 5,
  maxThrottles: 12,
  maxSliceAttempts: 3,
  backoffBaseMs: 500,
  requestTimeoutMs: 30_000,
} as const;

async function* pullStripe(options: StripeSourceOptions, tuning: StripeTuning, context: PullContext): AsyncGenerator<SourceRecord> {
  const where = `sources.${context.sourceName}`;
  // Every check that needs no request comes first: a refused key sends nothing.
  const config = validateStripeOptions(options, where);
  const scrub = createKeyScrubber(config.apiKey);
  const log = (line: string) => context.log(scrub(line));
  const account = config.connectedAccount ?? null;
  const ledger = new PullLedger(account, readResumeState(context.resumeState, account, where));
  const settings = { ...DEFAULTS, ...definedOnly(tuning) };
  const clock = tuning.clock ?? systemClock;
  const kindsByName = new Map(config.kinds.map((kind) => [kind.name, kind]));

  const window = windowRange(context.window);
  const slices: TimeSlice[] = config.kinds.flatMap((kind) =>
    ledger.missing(kind.name, window).map(([gte, lt]) => ({ kind: kind.name, gte, lt, attempt: 1 })),
  );
  const plannedSeconds = config.kinds.length * (window[1] - window[0]);
  const secondsToPull = totalSeconds(slices.map((slice) => [slice.gte, slice.lt] as const));
  const resumedSeconds = plannedSeconds - secondsToPull;

  const progress = createProgress(context, 'stripe', tuning.progressStream);
  const requestsPerSecond = settings.requestsPerSecond ?? DOCUMENTED_READ_LIMIT[config.key.mode] * DEFAULT_RATE_SHARE;
  const limiter = new AdaptiveRateLimiter({
    maxRequestsPerSecond: requestsPerSecond,
    backoffBaseMs: settings.backoffBaseMs,
    throttleBackoffBaseMs: settings.backoffBaseMs / 5,
    clock,
    onRequest: () => progress.request(),
  });
  const fetchPage = createPageFetcher({
    apiKey: config.apiKey,
    endpoint: config.endpoint,
    connectedAccount: config.connectedAccount,
    pageSize: Math.min(100, Math.max(1, settings.pageSize)),
    limiter,
    clock,
    maxAttempts: settings.maxRequestAttempts,
    maxThrottles: settings.maxThrottles,
    requestTimeoutMs: settings.requestTimeoutMs,
    scrub,
  });

  log(describePull(config.kinds, window, config.key, account, requestsPerSecond));
  if (config.key.kind === 'secret') {
    log('using a secret key (allowSecretKey: true): salvage sends only GET requests, but a restricted read-only key is safer');
  }
  if (resumedSeconds > 0) log(`resuming: ${Math.round((100 * resumedSeconds) / plannedSeconds)}% of the window was pulled before the interruption`);

  const recordContext: RecordContext = { sourceName: context.sourceName, observedAt: context.observedAt, account: account ?? undefined };
  let objectCount = 0;
  let pulledSeconds = 0;
  for (const kind of config.kinds) progress.add(kind.name, 0);
  try {
    const completed = runSlices(slices, {
      concurrency: Math.max(1, settings.concurrency),
      wantsMoreConcurrency: () => !limiter.saturated,
      maxAttempts: Math.max(1, settings.maxSliceAttempts),
      signal: context.signal,
      pull: (slice, queue, signal) =>
        pullSlice(slice, {
          fetchPage: (request) => fetchPage(kindOf(kindsByName, slice.kind), request, signal),
          queue,
          maxObjects: Math.max(1, settings.maxSliceObjects),
        }),
      isRetryable: (reason) => reason instanceof StripeRequestError && reason.sliceRetryMayHelp,
      onRetry: (slice, reason) =>
        log(
          `${describeSlice(slice)}: pulling this slice again from its start (try ${slice.attempt + 1} of ` +
            `${settings.maxSliceAttempts}) after: ${reason instanceof Error ? reason.message : String(reason)}`,
        ),
    });
    for await (const pulled of completed) {
      const kind = kindOf(kindsByName, pulled.slice.kind);
      for (const object of pulled.objects) {
        yield objectRecord(object, recordContext);
        if (kind.name === EVENTS_KIND_NAME) {
          const deleted = deletedObjectRecord(object, config.kinds, recordContext);
          if (deleted) yield deleted;
        }
      }
      progress.add(kind.name, pulled.objects.length);
      objectCount += pulled.objects.length;
      // Only now, with every record of the slice handed to the sink, is the slice done.
      ledger.markDone(kind.name, pulled.slice.gte, pulled.slice.lt);
      await context.checkpoint(ledger.snapshot());
      // ETA: assume the rest of the window is as dense as what was pulled so far.
      pulledSeconds += pulled.slice.lt - pulled.slice.gte;
      if (pulledSeconds > 0) progress.expect(Math.round((objectCount * secondsToPull) / pulledSeconds));
    }
  } catch (error) {
    throw asPullError(error, scrub, where);
  } finally {
    progress.done();
  }
  if (limiter.stats.throttled > 0) {
    log(
      `Stripe answered 429 (rate limited) ${limiter.stats.throttled} times in ${limiter.stats.requests} requests; ` +
        `the pace went down to ${limiter.stats.lowestRate.toFixed(1)}/s and ended at ${limiter.requestsPerSecond.toFixed(1)}/s`,
    );
  }
  log(changeVisibilityNote(context.window.since, tuning.now?.() ?? new Date(), kindsByName.has(EVENTS_KIND_NAME)));
}

function kindOf(kinds: Map<string, StripeObjectKind>, name: string): StripeObjectKind {
  const kind = kinds.get(name);
  if (!kind) throw new Error(`internal: a slice of unknown kind "${name}"`);
  return kind;
}

function describePull(
  kinds: readonly StripeObjectKind[],
  window: readonly [number, number],
  key: { mode: string; kind: string },
  account: string | null,
  requestsPerSecond: number,
): string {
  const who = account ? `, connected account ${account}` : '';
  return (
    `pulling ${kinds.map((kind) => kind.name).join(', ')} created ${isoSecond(window[0])}..${isoSecond(window[1])} ` +
    `(${key.mode} mode, ${key.kind} key${who}) at up to ${requestsPerSecond.toFixed(1)} requests/s`
  );
}

/** Errors leave the connector as SourceInputErrors naming the source, scrubbed of the key. */
function asPullError(error: unknown, scrub: (text: string) => string, where: string): unknown {
  if (error instanceof SourceInputError) {
    return error.location === undefined ? new SourceInputError(scrub(error.message), where) : error;
  }
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (error instanceof Error) {
    error.message = scrub(error.message);
    if (error.stack) error.stack = scrub(error.stack);
  }
  return error;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
