import { describe, expect, it } from 'vitest';
import { formatProgress, TerminalProgress } from '../../src/runtime/progress.js';

describe('progress on a terminal', () => {
  it('shows a bar, the share done, the rate and the time left when the total is known', () => {
    const line = formatProgress({ name: 'map stripe', done: 25 * 1048576, total: 100 * 1048576, unit: 'bytes', elapsedMs: 5000, width: 200 });
    expect(line).toBe('map stripe  [#####...............]   25%  25.0 MB / 100.0 MB  5.0 MB/s  ETA 15s');
  });

  it('shows rows and rate alone when the total is not known, and never wraps', () => {
    expect(formatProgress({ name: 'public.payments: compare with the backup', done: 1_234_567, unit: 'rows', elapsedMs: 2000, width: 200 })).toBe(
      'public.payments: compare with the backup  1,234,567 rows  617,284 rows/s',
    );
    expect(formatProgress({ name: 'x'.repeat(300), done: 1, unit: 'rows', elapsedMs: 0, width: 80 })).toHaveLength(79);
    expect(formatProgress({ name: 'apply', done: 10, total: 100, unit: 'rows', elapsedMs: 90 * 60_000, width: 200 })).toMatch(/ETA 13h30m$/);
  });

  it('redraws in place at most ten times a second, keeps log lines off the bar and redraws it after them, and ends with the total time', () => {
    let now = 0;
    const written: string[] = [];
    const progress = new TerminalProgress({ write: (t: string) => written.push(t), columns: 120 }, () => now);
    const stage = progress.stage('write rows', 2000);
    for (let i = 0; i < 1000; i++) stage.add(); // no time passes: at most the first draw
    const drawsBefore = written.length;
    expect(drawsBefore).toBeLessThanOrEqual(1);
    now = 1000;
    stage.add(500); // a big step looks at the clock at once
    expect(written.at(-1)).toMatch(/^\rwrite rows  \[###############\.\.\.\.\.\]   75%  1,500 rows \/ 2,000 rows  1,500 rows\/s  ETA 1s\x1b\[K$/);
    const bar = written.at(-1);
    progress.log('warning: something');
    // Cleared, the line written, and the bar back at once: a stage may log and then wait.
    expect(written.slice(-3)).toEqual(['\r\x1b[K', 'warning: something\n', bar]);
    now = 2000;
    stage.add(500);
    stage.end();
    expect(written.at(-1)).toMatch(/^\rwrite rows  2,000 rows  1,000 rows\/s\x1b\[K  \(2\.0s\)\n$/);
  });
});
