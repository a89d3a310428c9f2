/**
 * What a long stage reports as it goes (issue 7: a million-record reconcile runs for a
 * minute). The CLI draws it as a bar on a terminal; the library's default draws nothing.
 */
export interface Progress {
  /** A stage starts. `total`, when known, is in `unit`s (rows, or bytes of a file). */
  stage(name: string, total?: number, unit?: ProgressUnit): StageProgress;
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
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.done / seconds : 0;
  const parts = [p.name];
  if (p.total !== undefined && p.total > 0) {
    const fraction = Math.min(1, p.done / p.total);
    const filled = Math.round(fraction * BAR);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`, `${String(Math.floor(fraction * 100)).padStart(3)}%`, `${amount(p.done, p.unit)} / ${amount(p.total, p.unit)}`);
  } else {
    parts.push(amount(p.done, p.unit));
  }
  if (seconds >= 0.5) parts.push(`${amount(rate, p.unit)}/s`);
  if (p.total !== undefined && rate > 0 && p.done < p.total && seconds >= 1) parts.push(`ETA ${duration((p.total - p.done) / rate)}`);
  const line = parts.join('  ');
  return line.length > p.width - 1 ? line.slice(0, Math.max(0, p.width - 1)) : line;
}

function amount(n: number, unit: ProgressUnit): string {
  if (unit === 'bytes') return `${(n / 1048576).toFixed(1)} MB`;
  return `${Math.round(n).toLocaleString('en-US')} rows`;
}

function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const REDRAW_MS = 100;

/**
 * One line per stage on a terminal, redrawn in place at most ten times a second and
 * left showing the stage's total time when it ends. Log lines written through `log`
 * clear the bar first, so the two never share a line.
 */
export class TerminalProgress implements Progress {
  private drawn = false;

  constructor(
    private readonly stream: { write(text: string): unknown; columns?: number },
    private readonly now: () => number = () => performance.now(),
  ) {}

  stage(name: string, total?: number, unit: ProgressUnit = 'rows'): StageProgress {
    const started = this.now();
    let done = 0;
    let calls = 0;
    let lastDraw = -Infinity;
    const draw = (final: boolean) => {
      const text = formatProgress({ name, done, total: final ? undefined : total, unit, elapsedMs: this.now() - started, width: this.stream.columns || 100 });
      this.stream.write(`\r${text}\x1b[K${final ? `  (${((this.now() - started) / 1000).toFixed(1)}s)\n` : ''}`);
      this.drawn = !final;
    };
    return {
      add: (n = 1) => {
        done += n;
        // Look at the clock only every 256 calls (or for big steps): add runs once per row.
        if ((++calls & 255) !== 0 && n < 256) return;
        const now = this.now();
        if (now - lastDraw < REDRAW_MS) return;
        lastDraw = now;
        draw(false);
      },
      end: () => draw(true),
    };
  }

  /** Writes a line of its own, above the bar. */
  log(line: string): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    this.stream.write(`${line}\n`);
  }
}
