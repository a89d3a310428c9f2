import { randomUUID } from 'node:crypto';
import type { FakeCalendar, FakeEvent, StoredEvent } from './model.js';

/**
 * The fake's data: calendars and their events, with a change counter so sync tokens
 * can answer "what changed since". Tests edit it between pulls like a user would.
 */
export class FakeCalendarStore {
  /**
   * Names this store in the sync tokens it hands out: a token from another server (an
   * earlier demo run, a restarted fake) is answered 410, as Google answers one it no
   * longer knows, and never read as a change counter it did not come from.
   */
  readonly instance = randomUUID();
  readonly calendars = new Map<string, FakeCalendar>();
  private readonly events: StoredEvent[] = [];
  private changeSeq = 0;
  /** Per calendar: bumped to invalidate every sync token handed out so far. */
  private readonly epochs = new Map<string, number>();
  /** Events served other than stored (malform), by calendar and event id. */
  private readonly servedAs = new Map<string, (rendered: FakeEvent) => unknown>();

  addCalendar(calendar: FakeCalendar): void {
    this.calendars.set(calendar.id, calendar);
  }

  /** Inserts or replaces (by id) an event, as a write in Google Calendar would. */
  put(calendarId: string, event: FakeEvent): void {
    if (!this.calendars.has(calendarId)) throw new Error(`fake calendar: no calendar ${calendarId}`);
    this.changeSeq++;
    const index = this.events.findIndex((stored) => stored.calendarId === calendarId && stored.event.id === event.id);
    const stored = { calendarId, event, changeSeq: this.changeSeq };
    if (index === -1) this.events.push(stored);
    else this.events[index] = stored;
  }

  /** Removes an event without a trace, as Google does with old tombstones. */
  purge(calendarId: string, eventId: string): void {
    const index = this.events.findIndex((stored) => stored.calendarId === calendarId && stored.event.id === eventId);
    if (index !== -1) this.events.splice(index, 1);
  }

  /**
   * Serves the event as `change` makes it from what would be sent (a start that is not a
   * time, a field of the wrong type, no id), as a broken sync or an API change would:
   * it is listed, paged and synced like the stored event it stands for.
   */
  malform(calendarId: string, eventId: string, change: (rendered: FakeEvent) => unknown): void {
    if (!this.get(calendarId, eventId)) throw new Error(`fake calendar: nothing to malform with id ${eventId}`);
    this.servedAs.set(`${calendarId}\n${eventId}`, change);
  }

  /** The event as a listing answers it. */
  served(calendarId: string, rendered: FakeEvent): unknown {
    const change = this.servedAs.get(`${calendarId}\n${rendered.id ?? ''}`);
    return change ? change(structuredClone(rendered)) : rendered;
  }

  get(calendarId: string, eventId: string): FakeEvent | undefined {
    return this.events.find((stored) => stored.calendarId === calendarId && stored.event.id === eventId)?.event;
  }

  eventsOf(calendarId: string): StoredEvent[] {
    return this.events.filter((stored) => stored.calendarId === calendarId);
  }

  currentSeq(): number {
    return this.changeSeq;
  }

  epochOf(calendarId: string): number {
    return this.epochs.get(calendarId) ?? 0;
  }

  /** Every sync token of this calendar handed out so far answers 410 from now on. */
  expireSyncTokens(calendarId: string): void {
    this.epochs.set(calendarId, this.epochOf(calendarId) + 1);
  }
}
