import { fitToWidth, LiveLine, type LiveStream } from './live-line.js';
import { perSecond, timeLeft } from './pace.js';

/**
 * What a long stage reports as it goes (a million-record reconcile runs for a
 * minute). The caller decides: the CLI draws it on a terminal; the library's default
 * (NO_PROGRESS) draws nothing. Every stage, pull included, takes it from its caller.
 */
export interface Progress {
  /** A stage starts. `total`, when known, is in `unit`s (rows, or bytes of a file). */
  stage(name: string, total?: number, unit?: ProgressUnit): StageProgress;
  /**
   * The terminal's live line, when the caller draws one. A pull's sources count on it
   * (runtime/source-progress.ts), since their totals are rarely known up front.
   */
  readonly line?: LiveLine;
}

export type ProgressUnit = 'rows' | 'bytes';

export interface StageProgress {
  /** `n` more units done. Cheap enough to call once per row. */
  add(n?: number): void;
  end(): void;
}

const SILENT_STAGE: StageProgress = { add: () => undefined, end: () => undefined };
export const NO_PROGRESS: Progress = { stage: () => SILENT_STAGE };

export interface ProgressLine {
  name: string;
  done: number;
  total?: number;
  unit: ProgressUnit;
  elapsedMs: number;
  /** The terminal's width: the line never wraps. */
  width: number;
}

const BAR = 20;

/** `map stripe  [########............]  41%  212.4 MB / 518.0 MB  38.1 MB/s  ETA 8s`, cut to the width. */
export function formatProgress(p: ProgressLine): string {
  const parts = [p.name];
  if (p.total !== undefined && p.total > 0) {
    const fraction = Math.min(1, p.done / p.total);
    const filled = Math.round(fraction * BAR);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`, `${String(Math.floor(fraction * 100)).padStart(3)}%`, `${amount(p.done, p.unit)} / ${amount(p.total, p.unit)}`);
  } else {
    parts.push(amount(p.done, p.unit));
  }
  // Under half a second in, a rate is mostly noise.
  if (p.elapsedMs >= 500) parts.push(`${amount(perSecond(p.done, p.elapsedMs), p.unit)}/s`);
  const eta = timeLeft(p.done, p.total, p.elapsedMs);
  if (eta) parts.push(eta);
  return fitToWidth(parts.join('  '), p.width);
}

function amount(n: number, unit: ProgressUnit): string {
  if (unit === 'bytes') return `${(n / 1048576).toFixed(1)} MB`;
  return `${Math.round(n).toLocaleString('en-US')} rows`;
}

/**
 * One line per stage on a terminal (the shared live line: at most ten redraws a
 * second), left showing the stage's total time when it ends. Log lines written
 * through `log` clear the bar first, so the two never share a line. Whether to draw
 * at all is the caller's choice (liveLineWanted: --no-progress, CI, TERM=dumb, no TTY).
 */
export class TerminalProgress implements Progress {
  readonly line: LiveLine;

  constructor(
    private readonly stream: LiveStream,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.line = new LiveLine(stream, now);
  }

  stage(name: string, total?: number, unit: ProgressUnit = 'rows'): StageProgress {
    const started = this.now();
    let done = 0;
    let calls = 0;
    const text = (final: boolean) =>
      formatProgress({ name, done, total: final ? undefined : total, unit, elapsedMs: this.now() - started, width: this.line.width });
    return {
      add: (n = 1) => {
        done += n;
        // Look at the clock only every 256 calls (or for big steps): add runs once per row. The
        // first call draws, so that a stage whose first unit is slow (a database starting) shows at once.
        if (++calls > 1 && (calls & 255) !== 0 && n < 256) return;
        this.line.update(() => text(false));
      },
      end: () => this.line.end(text(true), `  (${((this.now() - started) / 1000).toFixed(1)}s)`),
    };
  }

  /** Writes a line of its own, above the bar, and puts the bar back at once (a stage may log, then wait). */
  log(line: string): void {
    this.line.writeAbove(() => this.stream.write(`${line}\n`));
  }
}
