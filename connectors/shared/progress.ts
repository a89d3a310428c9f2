import type { PullContext } from '../../src/records/connector.js';

/** Counts per kind of object, with rate; a live line on a terminal, summary lines otherwise. */
export interface Progress {
  /** Adds n objects of `kind` (e.g. "charges", "messages"). */
  add(kind: string, n?: number): void;
  /** Counts one request (for requests/second). */
  request(): void;
  /** Sets what is known of the total, for an ETA. */
  expect(total: number): void;
  /** Ends the live line and logs one summary line per kind. */
  done(): void;
}

const REDRAW_MS = 200;

export function createProgress(context: PullContext, label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const counts = new Map<string, number>();
  const started = Date.now();
  let requests = 0;
  let expected: number | undefined;
  let lastDraw = 0;
  const live = Boolean(stream.isTTY) && !process.env.CI;

  const total = () => [...counts.values()].reduce((a, b) => a + b, 0);
  const line = () => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const parts = [...counts].map(([k, n]) => `${n} ${k}`);
    const rate = `${(total() / seconds).toFixed(0)}/s`;
    const rps = requests ? `, ${(requests / seconds).toFixed(1)} req/s` : '';
    const eta = expected && total() > 0 ? `, ETA ${Math.max(0, ((expected - total()) * seconds) / total()).toFixed(0)}s` : '';
    return `${label}: ${parts.join(', ') || 'starting'} (${rate}${rps}${eta})`;
  };
  const draw = (force = false) => {
    if (!live) return;
    const now = Date.now();
    if (!force && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    stream.write(`\r\x1b[2K${line()}`);
  };

  return {
    add(kind, n = 1) {
      counts.set(kind, (counts.get(kind) ?? 0) + n);
      draw();
    },
    request() {
      requests++;
      draw();
    },
    expect(n) {
      expected = n;
    },
    done() {
      if (live) stream.write('\r\x1b[2K');
      const seconds = (Date.now() - started) / 1000;
      for (const [kind, n] of counts) context.log(`${n} ${kind} in ${seconds.toFixed(1)}s`);
      if (requests) context.log(`${requests} requests (${(requests / Math.max(seconds, 0.001)).toFixed(1)}/s)`);
    },
  };
}
