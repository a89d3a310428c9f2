import type { PullContext } from '../records/connector.js';
import { LiveLine, liveLineWanted, type LiveStream } from './live-line.js';
import { perSecond, timeLeft } from './pace.js';

/**
 * A source's counts as its connector pulls: per kind of object, with rate; drawn on the
 * caller's live line (Progress.line, handed over in the PullContext) and summed up in the log.
 */
export interface SourceProgress {
  /** Adds n objects of `kind` (e.g. "charges", "messages"). */
  add(kind: string, n?: number): void;
  /** Counts one request (for requests/second). */
  request(): void;
  /** Sets what is known of the total, for an ETA. */
  expect(total: number): void;
  /** Ends the live line and logs one summary line per kind (unless `summary` is false: the connector says its own). */
  done(summary?: boolean): void;
}

/**
 * A pull's progress: `stripe: 1200 charges, 40 refunds (310/s, 9.5 req/s, ETA 12s)` kept
 * live on `context.liveLine`, the line pull() was handed by its caller, and the totals
 * logged through the context at the end either way. pull() sets `liveProgress: false`
 * when it has no line; a connector driven on its own (a test, a benchmark) with neither
 * set draws on `stream` when a live line is wanted there (not in CI, not on TERM=dumb).
 */
export function createProgress(
  context: PullContext,
  label: string,
  stream: LiveStream = process.stderr,
  now: () => number = () => performance.now(),
): SourceProgress {
  const counts = new Map<string, number>();
  const started = now();
  let requests = 0;
  let expected: number | undefined;
  // pull()'s line when it gives one (its log clears it); `stream` and `now` then do not apply to the line.
  const line =
    context.liveProgress === false
      ? undefined
      : (context.liveLine ?? (liveLineWanted(stream) ? new LiveLine(stream, now) : undefined));

  const total = () => [...counts.values()].reduce((a, b) => a + b, 0);
  const text = () => {
    const elapsedMs = now() - started;
    const pace = [`${perSecond(total(), elapsedMs).toFixed(0)}/s`];
    if (requests) pace.push(`${perSecond(requests, elapsedMs).toFixed(1)} req/s`);
    const eta = timeLeft(total(), expected, elapsedMs);
    if (eta) pace.push(eta);
    const parts = [...counts].map(([k, n]) => `${n} ${k}`);
    return `${label}: ${parts.join(', ') || 'starting'} (${pace.join(', ')})`;
  };

  return {
    add(kind, n = 1) {
      counts.set(kind, (counts.get(kind) ?? 0) + n);
      line?.update(text);
    },
    request() {
      requests++;
      line?.update(text);
    },
    expect(n) {
      expected = n;
    },
    done(summary = true) {
      line?.clear();
      if (!summary) return;
      const elapsedMs = now() - started;
      const seconds = (elapsedMs / 1000).toFixed(1);
      for (const [kind, n] of counts) context.log(`${n} ${kind} in ${seconds}s`);
      if (requests) context.log(`${requests} requests (${perSecond(requests, elapsedMs).toFixed(1)}/s)`);
    },
  };
}
