import type { PullWindow } from '../../src/records/connector.js';
import { type EventTime, instantOf } from './event-time.js';
import type { ParsedEvent } from './parsed-event.js';

/** The window test: filtered by when data was written, never by what it describes (docs/config.md). */
export function writtenInWindow(event: ParsedEvent, since: Date): boolean {
  const times = [event.created, event.lastModified].filter((time): time is EventTime => time !== null);
  if (times.length === 0) return true;
  return Math.max(...times.map(instantOf)) >= since.getTime();
}

export function isInExpansionRange(time: EventTime, window: PullWindow): boolean {
  const instant = instantOf(time);
  return instant >= window.since.getTime() && instant <= window.horizon.getTime();
}
