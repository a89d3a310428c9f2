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
import { createProgress } from '../../src/runtime/source-progress.js';
import { systemClock } from './clock.js';
import { changeVisibilityNote, deletedObjectRecord } from './events.js';
import { StripeRequestError } from './failures.js';
import { createKeyScrubber } from './key-guard.js';
import { ACCOUNTS_KIND_NAME, EVENTS_KIND_NAME, OBJECT_KINDS, type StripeObjectKind } from './objects.js';
import { DEFAULT_RATE_SHARE, DOCUMENTED_READ_LIMIT, validateStripeOptions, type StripeSourceOptions, type StripeTuning } from './options.js';
import { createPageFetcher, type FetchPage } from './page-fetcher.js';
import { AdaptiveRateLimiter } from './rate-limiter.js';
import { objectRecord, stripeRef, type RecordContext } from './records.js';
import type { UnreadableObject } from './object-shape.js';
import type { PullRejection } from '../../src/records/rejection.js';
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
  // A Connect pull keeps one ledger for all its accounts: slice kinds are `<account>|<kind>`.
  const ledgerAccount = config.accounts !== undefined ? MULTI_ACCOUNT : account;
  const ledger = new PullLedger(ledgerAccount, readResumeState(context.resumeState, ledgerAccount, where));
  const settings = { ...DEFAULTS, ...definedOnly(tuning) };
  const clock = tuning.clock ?? systemClock;
  const kindsByName = new Map(config.kinds.map((kind) => [kind.name, kind]));
  const progress = createProgress(context, 'stripe', tuning.progressStream);
  const requestsPerSecond = settings.requestsPerSecond ?? DOCUMENTED_READ_LIMIT[config.key.mode] * DEFAULT_RATE_SHARE;
  const limiter = new AdaptiveRateLimiter({
    maxRequestsPerSecond: requestsPerSecond,
    backoffBaseMs: settings.backoffBaseMs,
    throttleBackoffBaseMs: settings.backoffBaseMs / 5,
    clock,
    onRequest: () => progress.request(),
  });
  // One fetcher per account (the Stripe-Account header is the client's), all under one rate limiter.
  const fetchers = new Map<string | null, FetchPage>();
  const fetcherFor = (connected: string | null): FetchPage => {
    let fetcher = fetchers.get(connected);
    if (!fetcher) {
      fetcher = createPageFetcher({
        apiKey: config.apiKey,
        endpoint: config.endpoint,
        connectedAccount: connected ?? undefined,
        pageSize: Math.min(100, Math.max(1, settings.pageSize)),
        limiter,
        clock,
        maxAttempts: settings.maxRequestAttempts,
        maxThrottles: settings.maxThrottles,
        requestTimeoutMs: settings.requestTimeoutMs,
        scrub,
      });
      fetchers.set(connected, fetcher);
    }
    return fetcher;
  };

  const window = windowRange(context.window);
  let accounts: Array<string | null>;
  try {
    accounts = config.accounts === undefined ? [account] : [null, ...(await connectedAccounts(config.accounts, fetcherFor(null), context.signal))];
  } catch (error) {
    throw asPullError(error, scrub, where);
  }
  const slices: TimeSlice[] = accounts.flatMap((connected) =>
    config.kinds.flatMap((kind) => {
      if (connected !== null && config.accounts !== undefined && kind.platformOnly) return [];
      const sliceKind = config.accounts === undefined ? kind.name : sliceKindOf(connected, kind.name);
      return ledger.missing(sliceKind, window).map(([gte, lt]) => ({ kind: sliceKind, gte, lt, attempt: 1 }));
    }),
  );
  const plannedSeconds = totalSeconds(accounts.flatMap((connected) => config.kinds.filter((kind) => connected === null || config.accounts === undefined || !kind.platformOnly).map(() => window)));
  const secondsToPull = totalSeconds(slices.map((slice) => [slice.gte, slice.lt] as const));
  const resumedSeconds = plannedSeconds - secondsToPull;

  const who = config.accounts !== undefined ? `, the platform and ${accounts.length - 1} connected account${accounts.length === 2 ? '' : 's'}` : account ? `, connected account ${account}` : '';
  log(describePull(config.kinds, window, config.key, who, requestsPerSecond));
  if (config.key.kind === 'secret') {
    log('using a secret key (allowSecretKey: true): salvage sends only GET requests, but a restricted read-only key is safer');
  }
  if (resumedSeconds > 0) log(`resuming: ${Math.round((100 * resumedSeconds) / plannedSeconds)}% of the window was pulled before the interruption`);

  const recordContextOf = (connected: string | null): RecordContext => ({ sourceName: context.sourceName, observedAt: context.observedAt, account: connected ?? undefined });
  let objectCount = 0;
  let pulledSeconds = 0;
  // An unreadable object with no readable `created` may show in two slices' pages: rejected once.
  const rejectedKeys = new Set<string>();
  for (const kind of config.kinds) progress.add(kind.name, 0);
  try {
    const completed = runSlices(slices, {
      concurrency: Math.max(1, settings.concurrency),
      wantsMoreConcurrency: () => !limiter.saturated,
      maxAttempts: Math.max(1, settings.maxSliceAttempts),
      signal: context.signal,
      pull: (slice, queue, signal) =>
        pullSlice(slice, {
          fetchPage: (request) => {
            const { connected, kind } = splitSliceKind(slice.kind, config.accounts !== undefined ? undefined : account);
            return fetcherFor(connected)(kindOf(kindsByName, kind), request, signal);
          },
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
      const split = splitSliceKind(pulled.slice.kind, config.accounts !== undefined ? undefined : account);
      const kind = kindOf(kindsByName, split.kind);
      const recordContext = recordContextOf(split.connected);
      for (const object of pulled.objects) {
        yield objectRecord(object, recordContext);
        if (kind.name === EVENTS_KIND_NAME) {
          const deleted = deletedObjectRecord(object, config.kinds, recordContext);
          if (deleted) yield deleted;
        }
      }
      for (const item of pulled.unreadable) {
        const key = `${split.connected ?? ''}|${item.key}`;
        if (rejectedKeys.has(key)) continue;
        rejectedKeys.add(key);
        context.reject(unreadableRejection(item, kind, split.connected));
      }
      progress.add(kind.name, pulled.objects.length);
      objectCount += pulled.objects.length;
      // Only now, with every record of the slice handed to the sink, is the slice done.
      ledger.markDone(pulled.slice.kind, pulled.slice.gte, pulled.slice.lt);
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

/** The ledger's entry for an object the list returned and salvage cannot read. */
function unreadableRejection(item: UnreadableObject, kind: StripeObjectKind, connected: string | null): PullRejection {
  const location = item.id ? stripeRef(item.id, connected ?? undefined) : `stripe:${connected ? `${connected}/` : ''}${kind.path} (an object without an id, ${item.key})`;
  return {
    what: `stripe ${kind.objectName}`,
    location,
    reason: `${item.reason}; the other objects are pulled (look it up in the Stripe dashboard, or pull again if a proxy or an API version upgrade mangled it)`,
  };
}

/** The ledger's account for a Connect pull: not an account id, so a resume never mixes it up with one. */
const MULTI_ACCOUNT = 'accounts';
const OWN_ACCOUNT = 'platform';

function sliceKindOf(connected: string | null, kind: string): string {
  return `${connected ?? OWN_ACCOUNT}|${kind}`;
}

/** The account and kind of a slice: `<account>|<kind>` in a Connect pull, the plain kind (of `single`) otherwise. */
function splitSliceKind(sliceKind: string, single: string | null | undefined): { connected: string | null; kind: string } {
  const bar = sliceKind.indexOf('|');
  if (bar === -1) return { connected: single ?? null, kind: sliceKind };
  const owner = sliceKind.slice(0, bar);
  return { connected: owner === OWN_ACCOUNT ? null : owner, kind: sliceKind.slice(bar + 1) };
}

/**
 * The connected accounts to pull: every one /v1/accounts lists now (whatever its creation
 * time, so accounts created in the window are in), or the configured ids. Sorted, so
 * that a resumed pull plans the same slices.
 */
async function connectedAccounts(wanted: 'all' | string[], fetchPage: FetchPage, signal: AbortSignal | undefined): Promise<string[]> {
  if (wanted !== 'all') return [...new Set(wanted)].sort();
  const kind = OBJECT_KINDS.find((k) => k.name === ACCOUNTS_KIND_NAME) as StripeObjectKind;
  const ids: string[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await fetchPage(kind, { gte: 0, lt: 2 ** 32, startingAfter }, signal);
    // An account object salvage cannot read still has an id: its own objects are pulled all the same.
    ids.push(...page.objects.map((object) => object.id), ...page.unreadable.flatMap((item) => (item.id ? [item.id] : [])));
    if (!page.hasMore || page.cursor === undefined) break;
    startingAfter = page.cursor;
  }
  return [...new Set(ids)].sort();
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
  who: string,
  requestsPerSecond: number,
): string {
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
