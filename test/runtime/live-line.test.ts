import { describe, expect, it } from 'vitest';
import { fitToWidth, LiveLine, liveLineWanted } from '../../src/runtime/live-line.js';
import { formatDuration, perSecond, timeLeft } from '../../src/runtime/pace.js';

/** The live line that pull's counts and the stage bars share (src/runtime/live-line.ts). */

function terminal(columns?: number) {
  const written: string[] = [];
  return { written, stream: { write: (t: string) => written.push(t), isTTY: true, columns } };
}

describe('whether a live line is drawn at all', () => {
  const tty = { isTTY: true };

  it('draws on a terminal, outside CI, unless TERM=dumb or switched off', () => {
    expect(liveLineWanted(tty, true, { TERM: 'xterm-256color' })).toBe(true);
    expect(liveLineWanted(tty, false, { TERM: 'xterm-256color' })).toBe(false);
    expect(liveLineWanted(tty, true, { TERM: 'dumb' })).toBe(false);
    expect(liveLineWanted(tty, true, { TERM: 'xterm', CI: 'true' })).toBe(false);
    expect(liveLineWanted({ isTTY: false }, true, { TERM: 'xterm' })).toBe(false);
    expect(liveLineWanted({}, true, { TERM: 'xterm' })).toBe(false);
  });
});

describe('the live line', () => {
  it('redraws in place at most ten times a second, rendering only when it draws', () => {
    let now = 0;
    let renders = 0;
    const { written, stream } = terminal(80);
    const line = new LiveLine(stream, () => now);
    const render = () => `step ${++renders}`;
    line.update(render);
    for (now = 1; now < 100; now += 10) line.update(render);
    expect(written).toEqual(['\rstep 1\x1b[K']);
    now = 100;
    line.update(render);
    expect(written).toEqual(['\rstep 1\x1b[K', '\rstep 2\x1b[K']);
    expect(renders).toBe(2);
  });

  it('after a clear, the next step draws at once; a line written above does not restart the pace', () => {
    let now = 0;
    const { written, stream } = terminal(80);
    const line = new LiveLine(stream, () => now);
    line.update(() => 'headers 1');
    line.clear();
    now = 1;
    line.update(() => 'messages 1');
    expect(written).toEqual(['\rheaders 1\x1b[K', '\r\x1b[K', '\rmessages 1\x1b[K']);
    line.writeAbove(() => stream.write('a warning\n'));
    now = 2;
    line.update(() => 'messages 2');
    expect(written.slice(3)).toEqual(['\r\x1b[K', 'a warning\n', '\rmessages 1\x1b[K']);
  });

  it('after a line ended for good, the next step draws at once, however recent the last redraw', () => {
    let now = 0;
    const { written, stream } = terminal(80);
    const line = new LiveLine(stream, () => now);
    line.update(() => 'restore the backup 99%');
    now = 10;
    line.end('restore the backup done', '  (0.0s)');
    now = 20;
    line.update(() => 'restore the target 0%');
    expect(written).toEqual(['\rrestore the backup 99%\x1b[K', '\rrestore the backup done\x1b[K  (0.0s)\n', '\rrestore the target 0%\x1b[K']);
  });

  it('never wraps: the line is cut to one less than the width (100 when the stream does not say)', () => {
    expect(fitToWidth('x'.repeat(300), 80)).toHaveLength(79);
    expect(fitToWidth('short', 80)).toBe('short');
    const { written, stream } = terminal();
    new LiveLine(stream, () => 0).update(() => 'y'.repeat(300));
    expect(written[0]).toBe(`\r${'y'.repeat(99)}\x1b[K`);
  });

  it('clears itself only when something is showing, and ends with a line kept for good', () => {
    const { written, stream } = terminal(80);
    const line = new LiveLine(stream, () => 0);
    line.clear();
    expect(written).toEqual([]);
    line.update(() => 'working');
    line.clear();
    expect(written.at(-1)).toBe('\r\x1b[K');
    line.update(() => 'again'); // throttled: no time has passed
    line.end('done', '  (1.0s)');
    expect(written.at(-1)).toBe('\rdone\x1b[K  (1.0s)\n');
    const count = written.length;
    line.clear(); // the ended line stays
    expect(written).toHaveLength(count);
  });
});

describe('rate and time left', () => {
  it('gives units per second, and 0 before any time has passed', () => {
    expect(perSecond(500, 2000)).toBe(250);
    expect(perSecond(500, 0)).toBe(0);
  });

  it('estimates the time left from the pace so far, once it means something', () => {
    expect(timeLeft(25, 100, 5000)).toBe('ETA 15s');
    expect(timeLeft(10, 100, 90 * 60_000)).toBe('ETA 13h30m');
    expect(timeLeft(25, 100, 999)).toBeUndefined(); // under a second: noise
    expect(timeLeft(0, 100, 5000)).toBeUndefined(); // no pace yet
    expect(timeLeft(100, 100, 5000)).toBeUndefined(); // nothing left
    expect(timeLeft(25, undefined, 5000)).toBeUndefined(); // no total known
  });

  it('writes durations short', () => {
    expect(formatDuration(7.2)).toBe('8s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3600 * 2 + 60 * 3)).toBe('2h03m');
  });
});
