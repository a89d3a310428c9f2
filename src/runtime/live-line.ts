/**
 * The one live line a long step keeps on the terminal: `salvage pull`'s counts and the
 * stage bars of reconcile, patch and apply both draw through it, so they share one
 * policy for when to draw at all and one redraw rate. The caller (the CLI) owns it;
 * every stage, pull included, draws on the one it is handed.
 */

/** What the line writes to: a terminal's stderr, or a fake one in tests. */
export interface LiveStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width: the line never wraps, or `\r` would redraw only its last row. */
  columns?: number;
}

/**
 * Whether a live line belongs on `stream` at all. Not when it is switched off
 * (--no-progress), not off a terminal (a log file would fill with redraws), not in CI
 * (its log viewers show every `\r` as a new line), not on TERM=dumb (no `ESC[K`).
 */
export function liveLineWanted(stream: { isTTY?: boolean }, enabled = true, env: NodeJS.ProcessEnv = process.env): boolean {
  return enabled && Boolean(stream.isTTY) && !env.CI && env.TERM !== 'dumb';
}

/** At most ten redraws a second: faster is unreadable, and writing costs time the work needs. */
export const REDRAW_MS = 100;

const DEFAULT_WIDTH = 100;

/** Cuts a line to one character less than the width, so the cursor never wraps. */
export function fitToWidth(line: string, width: number): string {
  return line.length > width - 1 ? line.slice(0, Math.max(0, width - 1)) : line;
}

/** One line redrawn in place; whoever writes other lines to the stream clears it first. */
export class LiveLine {
  private lastDraw = -Infinity;
  private drawn = false;
  /** The text last drawn, to put back after a line written above it. */
  private shown = '';

  constructor(
    private readonly stream: LiveStream,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The width to format for. */
  get width(): number {
    return this.stream.columns || DEFAULT_WIDTH;
  }

  /** Redraws with `render()` unless the last redraw is under REDRAW_MS old; `render` runs only when it draws. */
  update(render: () => string): void {
    const now = this.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.shown = fitToWidth(render(), this.width);
    this.draw();
  }

  /**
   * Runs `write`, which puts a line of its own on the stream, with the live line
   * cleared first, then draws the line again at once rather than on the next update:
   * a log line is often followed by a wait (a rate limit, a slow request) and the
   * progress should not vanish for it.
   */
  writeAbove(write: () => void): void {
    const showing = this.drawn;
    const { lastDraw } = this;
    this.clear();
    this.lastDraw = lastDraw;
    write();
    if (showing) this.draw();
  }

  private draw(): void {
    this.stream.write(`\r${this.shown}\x1b[K`);
    this.drawn = true;
  }

  /** Leaves `text` (and `after`, uncut) on the line for good and moves below it. */
  end(text: string, after = ''): void {
    this.stream.write(`\r${fitToWidth(text, this.width)}\x1b[K${after}\n`);
    this.drawn = false;
    // What comes next is on a line of its own: it draws at once, not when this one's last redraw has aged.
    this.lastDraw = -Infinity;
  }

  /**
   * Empties the line, so that what is written next starts on a clean one. The next
   * update draws at once: a step that follows (the messages after a headers pass) shows
   * from its first unit rather than after the previous step's last redraw has aged.
   */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    this.lastDraw = -Infinity;
  }
}
