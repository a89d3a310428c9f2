import { DateTime } from 'luxon';
import { badRequest, FakeApiError } from './api-error.js';
import type { FakeCalendar, FakeEvent, FakeEventTime } from './model.js';
import { expandSeries } from './recurrence.js';
import type { FakeCalendarStore } from './store.js';

/**
 * events.list as Calendar v3 answers it, including the restrictions a client must get
 * right (the fake refuses what Google refuses, so a wrong request fails the tests):
 * - syncToken excludes updatedMin, timeMin, timeMax, orderBy, q, iCalUID and the
 *   extended-property filters, and showDeleted=false;
 * - orderBy=startTime needs singleEvents=true; timeMin must be before timeMax;
 * - times must be RFC 3339 with an offset;
 * - with updatedMin or a sync token, deleted (cancelled) events are always included;
 * - nextSyncToken only on the last page, and never when orderBy is set.
 */
export interface ListLimits {
  /** The server's own page cap (Google may return fewer items than maxResults). */
  pageSize: number;
  /** updatedMin before this is refused with 410 updatedMinTooLongAgo. */
  updatedMinLimit?: Date;
  /** Bumped to make every page token handed out so far invalid (400), as old ones are. */
  pageTokenEpoch?: number;
}

const FORBIDDEN_WITH_SYNC_TOKEN = ['updatedMin', 'timeMin', 'timeMax', 'orderBy', 'q', 'iCalUID', 'privateExtendedProperty', 'sharedExtendedProperty'];
const NOT_SIMULATED = ['q', 'iCalUID', 'privateExtendedProperty', 'sharedExtendedProperty', 'eventTypes'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

interface SyncToken {
  /** The store that handed it out. */
  instance: string;
  calendarId: string;
  seq: number;
  epoch: number;
  singleEvents: boolean;
}

interface PageToken {
  offset: number;
  epoch: number;
  /** The query the token belongs to. */
  key: string;
  /** The change counter when the listing began: the last page's sync token starts there. */
  seq: number;
}

interface Candidate {
  item: FakeEvent;
  changeSeq: number;
}

export function listEvents(store: FakeCalendarStore, calendar: FakeCalendar, query: URLSearchParams, limits: ListLimits): unknown {
  for (const name of NOT_SIMULATED) if (query.has(name)) throw badRequest(`the fake server does not simulate ${name}`);
  const singleEvents = query.get('singleEvents') === 'true';
  const orderBy = query.get('orderBy');
  const syncTokenText = query.get('syncToken');
  if (syncTokenText !== null) {
    const clash = FORBIDDEN_WITH_SYNC_TOKEN.filter((name) => query.has(name));
    if (clash.length > 0) throw badRequest(`Sync token cannot be used with other request restrictions (${clash.join(', ')}).`);
    if (query.get('showDeleted') === 'false') throw badRequest('showDeleted cannot be false with a sync token.');
  }
  if (orderBy !== null && orderBy !== 'updated' && !(orderBy === 'startTime' && singleEvents)) {
    throw badRequest('The requested ordering is not available for the particular query.');
  }
  const updatedMin = timeParam(query, 'updatedMin');
  const timeMin = timeParam(query, 'timeMin');
  const timeMax = timeParam(query, 'timeMax');
  if (timeMin !== undefined && timeMax !== undefined && timeMin >= timeMax) {
    throw new FakeApiError(400, 'timeRangeEmpty', 'The specified time range is empty.', 'calendar');
  }
  if (updatedMin !== undefined && limits.updatedMinLimit !== undefined && updatedMin < limits.updatedMinLimit.getTime()) {
    throw new FakeApiError(410, 'updatedMinTooLongAgo', 'The requested minimum modification time lies too far in the past.', 'calendar');
  }
  const syncToken = syncTokenText === null ? undefined : readSyncToken(syncTokenText, calendar.id, store);
  if (syncToken !== undefined && syncToken.singleEvents !== singleEvents) throw badRequest('singleEvents differs from the initial synchronization.');

  const pageTokenText = query.get('pageToken');
  const key = queryKey(query);
  const pageToken = pageTokenText === null ? undefined : readPageToken(pageTokenText, key, limits.pageTokenEpoch ?? 0);
  const listingSeq = pageToken?.seq ?? store.currentSeq();

  const showDeleted = query.get('showDeleted') === 'true' || updatedMin !== undefined || syncToken !== undefined;
  const matching = candidates(store, calendar, singleEvents).filter(({ item, changeSeq }) => {
    if (syncToken !== undefined) return changeSeq > syncToken.seq && changeSeq <= listingSeq;
    if (item.status === 'cancelled' && !showDeleted) return false;
    if (updatedMin !== undefined && Date.parse(item.updated ?? '') < updatedMin) return false;
    return overlaps(item, calendar, timeMin, timeMax);
  });

  const maxResults = Math.min(Number(query.get('maxResults') ?? 250), 2500);
  if (!Number.isInteger(maxResults) || maxResults < 1) throw badRequest('Invalid value for maxResults.');
  const size = Math.min(maxResults, limits.pageSize);
  const offset = pageToken?.offset ?? 0;
  const page = matching.slice(offset, offset + size);
  const more = offset + size < matching.length;
  const zone = query.get('timeZone') ?? calendar.timeZone;

  return {
    kind: 'calendar#events',
    etag: `"${listingSeq}"`,
    summary: calendar.summary,
    description: '',
    updated: new Date().toISOString(),
    timeZone: zone,
    accessRole: 'owner',
    defaultReminders: [{ method: 'popup', minutes: 30 }],
    ...(more ? { nextPageToken: encode({ offset: offset + size, epoch: limits.pageTokenEpoch ?? 0, key, seq: listingSeq } satisfies PageToken) } : {}),
    ...(more || orderBy !== null
      ? {}
      : { nextSyncToken: encode({ instance: store.instance, calendarId: calendar.id, seq: listingSeq, epoch: store.epochOf(calendar.id), singleEvents } satisfies SyncToken) }),
    items: page.map(({ item, changeSeq }) => store.served(calendar.id, rendered(item, changeSeq, zone))),
  };
}

/** What a listing can return: stored events as they are, or with singleEvents series expanded into instances. */
function candidates(store: FakeCalendarStore, calendar: FakeCalendar, singleEvents: boolean): Candidate[] {
  const stored = store.eventsOf(calendar.id);
  if (!singleEvents) return stored.map(({ event, changeSeq }) => ({ item: event, changeSeq }));
  const exceptionsOf = (masterId: string | null | undefined) => stored.filter(({ event }) => event.recurringEventId === masterId);
  const masterIds = new Set(stored.filter(({ event }) => event.recurrence?.length).map(({ event }) => event.id));
  const out: Candidate[] = [];
  for (const { event, changeSeq } of stored) {
    if (event.recurringEventId && masterIds.has(event.recurringEventId)) continue; // placed by its master
    if (!event.recurrence?.length || event.status === 'cancelled') {
      out.push({ item: event, changeSeq });
      continue;
    }
    const exceptions = exceptionsOf(event.id);
    const seqOf = new Map(exceptions.map((exception) => [exception.event.id, exception.changeSeq]));
    for (const instance of expandedOnce(store, event, changeSeq, exceptions)) {
      out.push({ item: instance, changeSeq: seqOf.get(instance.id) ?? changeSeq });
    }
  }
  return out;
}

/** Expanding a long series on every page of every request makes the fake slow: expand once per version of it. */
const expansions = new WeakMap<FakeCalendarStore, Map<string, FakeEvent[]>>();

function expandedOnce(store: FakeCalendarStore, master: FakeEvent, changeSeq: number, exceptions: Array<{ event: FakeEvent; changeSeq: number }>): FakeEvent[] {
  let cache = expansions.get(store);
  if (cache === undefined) expansions.set(store, (cache = new Map()));
  const key = `${master.id}@${changeSeq}:${exceptions.map((exception) => exception.changeSeq).join(',')}`;
  let instances = cache.get(key);
  if (instances === undefined) cache.set(key, (instances = expandSeries(master, exceptions.map((exception) => exception.event))));
  return instances;
}

/** Start before timeMax, end after timeMin (a series master: its whole span). Items without times always match. */
function overlaps(item: FakeEvent, calendar: FakeCalendar, timeMin: number | undefined, timeMax: number | undefined): boolean {
  const start = instant(item.start, calendar.timeZone);
  if (start === undefined) return true;
  let end = instant(item.end, calendar.timeZone) ?? start;
  if (item.recurrence?.length) {
    const instances = expandSeries(item, []);
    end = instant(instances.at(-1)?.end, calendar.timeZone) ?? end;
  }
  if (timeMax !== undefined && start >= timeMax) return false;
  if (timeMin !== undefined && end <= timeMin) return false;
  return true;
}

/** All-day dates begin at midnight in the calendar's zone. */
function instant(time: FakeEventTime | undefined, calendarZone: string): number | undefined {
  if (time?.date) return DateTime.fromISO(time.date, { zone: calendarZone }).toMillis();
  if (time?.dateTime) return DateTime.fromISO(time.dateTime, { setZone: true }).toMillis();
  return undefined;
}

/** As Google sends an event: kind and etag added, date-times written in the response's zone. */
function rendered(item: FakeEvent, changeSeq: number, zone: string): FakeEvent {
  const inZone = (time: FakeEventTime | undefined) => {
    if (!time?.dateTime) return time;
    const local = DateTime.fromISO(time.dateTime, { setZone: true }).setZone(zone);
    return { ...time, dateTime: local.toISO({ suppressMilliseconds: true }) ?? time.dateTime };
  };
  const out: FakeEvent = { kind: 'calendar#event', etag: `"${changeSeq}"`, ...item };
  if (item.start) out.start = inZone(item.start);
  if (item.end) out.end = inZone(item.end);
  if (item.originalStartTime) out.originalStartTime = inZone(item.originalStartTime);
  return out;
}

function timeParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!RFC3339.test(value)) throw badRequest(`Invalid value for ${name}: ${value} (RFC 3339 with an offset required)`);
  return Date.parse(value);
}

function readSyncToken(text: string, calendarId: string, store: FakeCalendarStore): SyncToken {
  const token = decode<SyncToken>(text);
  if (token === undefined || token.calendarId !== calendarId) throw badRequest('Invalid sync token value.');
  if (token.instance !== store.instance || token.epoch !== store.epochOf(calendarId)) {
    throw new FakeApiError(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.', 'calendar');
  }
  return token;
}

function readPageToken(text: string, key: string, epoch: number): PageToken {
  const token = decode<PageToken>(text);
  if (token === undefined || token.key !== key || token.epoch !== epoch) throw badRequest('Invalid page token value.');
  return token;
}

/** A page token is only valid for the query it came from. */
function queryKey(query: URLSearchParams): string {
  return [...query].filter(([name]) => name !== 'pageToken').map(([name, value]) => `${name}=${value}`).sort().join('&');
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode<T>(text: string): T | undefined {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
