import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/runtime/source-progress.js';
import { testPullContext } from '../support/pull-context.js';

/** A connector's progress (src/runtime/source-progress.ts): a live line where wanted, totals logged always. */

function terminal() {
  const written: string[] = [];
  return { written, stream: { write: (t: string) => written.push(t), isTTY: true, columns: 200 } };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Runs a small pull's worth of progress on a fake terminal with a fake clock. */
function run(liveProgress?: boolean) {
  let now = 0;
  const logs: string[] = [];
  const { written, stream } = terminal();
  const progress = createProgress(testPullContext('payments', '/tmp', (l) => logs.push(l), { liveProgress }), 'stripe', stream, () => now);
  progress.add('charges', 0);
  now = 2000;
  progress.request();
  progress.expect(400);
  progress.add('charges', 100);
  now = 4000;
  progress.add('refunds', 100);
  progress.done();
  return { written, logs };
}

describe('pull progress', () => {
  it('keeps a live line with counts, rate, requests/s and time left on a terminal, then logs the totals', () => {
    vi.stubEnv('TERM', 'xterm-256color');
    vi.stubEnv('CI', '');
    const { written, logs } = run();
    expect(written).toEqual([
      '\rstripe: 0 charges (0/s)\x1b[K',
      '\rstripe: 0 charges (0/s, 0.5 req/s)\x1b[K',
      '\rstripe: 100 charges, 100 refunds (50/s, 0.3 req/s, ETA 4s)\x1b[K',
      '\r\x1b[K',
    ]);
    expect(logs).toEqual(['100 charges in 4.0s', '100 refunds in 4.0s', '1 requests (0.3/s)']);
  });

  it('draws nothing with --no-progress or on TERM=dumb, and still logs the totals', () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('TERM', 'xterm-256color');
    const switchedOff = run(false);
    expect(switchedOff.written).toEqual([]);
    expect(switchedOff.logs).toEqual(['100 charges in 4.0s', '100 refunds in 4.0s', '1 requests (0.3/s)']);
    vi.stubEnv('TERM', 'dumb');
    const dumb = run();
    expect(dumb.written).toEqual([]);
    expect(dumb.logs).toEqual(switchedOff.logs);
  });
});
