import type { PullWindow } from '../../src/records/connector.js';

/**
 * When a message was written. The Date header is the sender's own statement of it
 * and survives every copy, export and migration; INTERNALDATE (IMAP) or the mbox
 * postmark is when a server stored it, which a mailbox migration resets to the day
 * of the move. So the header wins, and the storage time only stands in when the
 * header is missing or unreadable.
 */
export type MessageTimeSource = 'date-header' | 'internaldate' | 'mbox-postmark';

export interface MessageTime {
  at: Date;
  source: MessageTimeSource;
}

export function messageTime(dateHeader: Date | null | undefined, storedAt: { at: Date; source: MessageTimeSource } | null): MessageTime | null {
  if (dateHeader && isValidDate(dateHeader)) return { at: dateHeader, source: 'date-header' };
  if (storedAt && isValidDate(storedAt.at)) return storedAt;
  return null;
}

/** A raw Date header value as an instant, or null when it cannot be read. */
export function parseDateHeader(value: string | null): Date | null {
  if (value === null) return null;
  const date = new Date(value);
  return isValidDate(date) ? date : null;
}

export function isValidDate(date: Date): boolean {
  return !Number.isNaN(date.getTime());
}

/** Inside the window: written at or after `since` (from minus lookback) and at or before `to`. */
export function isInWindow(at: Date, window: PullWindow): boolean {
  const ms = at.getTime();
  return ms >= window.since.getTime() && ms <= window.to.getTime();
}

const DAY_MS = 86_400_000;

/**
 * The IMAP SEARCH for the window. IMAP dates have no time or zone (the server's
 * zone applies), so the range is widened by a day each side and every message is
 * checked again precisely. SINCE/BEFORE match INTERNALDATE and SENTSINCE/SENTBEFORE
 * the Date header; either may be the one inside the window (a migrated mailbox has
 * every INTERNALDATE on the day of the move), so the search asks for both.
 */
export function windowSearch(window: PullWindow): { or: Array<Record<string, Date>> } {
  const since = new Date(window.since.getTime() - DAY_MS);
  const before = new Date(window.to.getTime() + 2 * DAY_MS);
  return {
    or: [
      { since, before },
      { sentSince: since, sentBefore: before },
    ],
  };
}
