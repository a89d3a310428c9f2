/** What every step shares while one file's events become records: its calendar, its warnings, the skip counts. */
import type { PullContext } from '../../src/records/connector.js';
import type { MatchedFile } from '../shared/files.js';
import type { ZoneDirectory } from './zones.js';

export interface SkipCounts {
  events: number;
  series: number;
}

export interface CalendarContext {
  zones: ZoneDirectory;
  name: string | null;
  /** X-WR-TIMEZONE: the zone all-day events are meant in, when the producer says. */
  defaultTimeZone: string | null;
}

export interface FileContext {
  file: MatchedFile;
  context: PullContext;
  calendar: CalendarContext;
  warnings: EventWarnings;
  skipped: SkipCounts;
}

/** Per file: warnings name the file and the event, each distinct one is said once. */
export class EventWarnings {
  private readonly said = new Set<string>();

  constructor(
    private readonly displayPath: string,
    private readonly log: (message: string) => void,
  ) {}

  warn(eventLabel: string, message: string): void {
    const text = `warning: ${this.displayPath}: event ${eventLabel}: ${message}`;
    if (this.said.has(text)) return;
    this.said.add(text);
    this.log(text);
  }
}
