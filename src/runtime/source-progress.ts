import type { PullContext } from '../records/connector.js';
import { LiveLine, liveLineWanted, type LiveStream } from './live-line.js';
import { perSecond, timeLeft } from './pace.js';

/** Counts per kind of object, with rate; a live line on a terminal, summary lines otherwise. */
export interface Progress {
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
 * live on the terminal when one is wanted there (not with --no-progress, which reaches
 * the connector as `context.liveProgress`, nor in CI or on TERM=dumb), and the totals
 * logged through the context at the end either way.
 */
export function createProgress(
  context: PullContext,
  label: string,
  stream: LiveStream = process.stderr,
  now: () => number = () => performance.now(),
): Progress {
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
