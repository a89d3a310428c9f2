import type { RepairedLine } from './quirks.js';

/** Per file and kind of repair: enough to see the pattern, not enough to bury the log. */
const SHOWN_PER_FILE = 5;

/**
 * Warnings for the vendor quirks read in one file: the first few in full (the line as
 * written and how it was read), then one count at the end of the file.
 */
export class QuirkWarnings {
  private count = 0;

  constructor(
    private readonly displayPath: string,
    private readonly log: (message: string) => void,
  ) {}

  readonly repaired = (original: string, fix: RepairedLine): void => {
    this.count++;
    if (this.count <= SHOWN_PER_FILE) this.log(`warning: ${this.displayPath}: ${shorten(original)}: ${fix.note}`);
  };

  /** Says how many more there were than shown. */
  finish(): void {
    if (this.count > SHOWN_PER_FILE) this.log(`warning: ${this.displayPath}: ${this.count - SHOWN_PER_FILE} more time values read the same way (${this.count} in all)`);
  }
}

function shorten(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
