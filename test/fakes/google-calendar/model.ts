import type { calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';

/** An event as the fake stores it: a one-off, a series master (with `recurrence`) or an exception (with `recurringEventId`). */
export type FakeEvent = calendar_v3.Schema$Event;
export type FakeEventTime = calendar_v3.Schema$EventDateTime;

export interface FakeCalendar {
  id: string;
  summary: string;
  timeZone: string;
  /** Shown in calendarList only with showHidden. */
  hidden?: boolean;
  /** A calendar list entry the user removed: listed only with showDeleted. */
  deleted?: boolean;
}

/** One stored event and the change counter value of its last write (what sync tokens compare). */
export interface StoredEvent {
  calendarId: string;
  event: FakeEvent;
  changeSeq: number;
}
