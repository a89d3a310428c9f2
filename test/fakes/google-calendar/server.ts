import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeApiError } from './api-error.js';
import { listEvents, type ListLimits } from './events-list.js';
import type { FakeCalendar } from './model.js';
import { FakeCalendarStore } from './store.js';

/**
 * A Calendar v3 server on 127.0.0.1 (random port) for the googleapis client to talk to:
 * calendarList.list and events.list, Bearer auth, faults on demand, and a log of every
 * request so tests can check what the connector asked for.
 */
export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  /** What the fake answered. */
  status: number;
}

/** A failure to answer instead of the real response, `times` times, to requests `matching`. */
export interface Fault {
  status: number;
  reason: string;
  message?: string;
  domain?: string;
  /** Retry-After header value (seconds, or an HTTP date). */
  retryAfter?: string;
  times?: number;
  matching?: (request: RecordedRequest) => boolean;
}

export interface FakeCalendarOptions {
  calendars: FakeCalendar[];
  /** Bearer tokens the server accepts. */
  accessTokens: string[];
  /** Items per events.list page at most (Google may answer fewer than maxResults). */
  pageSize?: number;
  calendarListPageSize?: number;
  updatedMinLimit?: Date;
}

export interface FakeCalendarServer {
  /** googleapis' rootUrl for this server. */
  rootUrl: string;
  port: number;
  store: FakeCalendarStore;
  requests: RecordedRequest[];
  limits: ListLimits;
  inject(fault: Fault): void;
  close(): Promise<void>;
}

const API = '/calendar/v3';
const EVENTS_PATH = new RegExp(`^${API}/calendars/([^/]+)/events$`);

export const isEventsRequest = (request: RecordedRequest) => EVENTS_PATH.test(request.path);

export async function startFakeCalendar(options: FakeCalendarOptions): Promise<FakeCalendarServer> {
  const store = new FakeCalendarStore();
  for (const calendar of options.calendars) store.addCalendar(calendar);
  const requests: RecordedRequest[] = [];
  const faults: Array<Fault & { left: number }> = [];
  const limits: ListLimits = { pageSize: options.pageSize ?? 2500, updatedMinLimit: options.updatedMinLimit };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(request);
    // The body is never read: every call salvage may make is a GET.
    req.resume();
    try {
      const fault = faults.find((candidate) => candidate.left > 0 && (candidate.matching ?? isEventsRequest)(request));
      if (fault !== undefined) {
        fault.left--;
        const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter };
        throw new FakeApiError(fault.status, fault.reason, fault.message ?? fault.reason, fault.domain ?? 'usageLimits', headers);
      }
      send(res, request, 200, route(req, request));
    } catch (error) {
      if (!(error instanceof FakeApiError)) {
        send(res, request, 500, new FakeApiError(500, 'backendError', `fake server bug: ${String(error)}`).body());
        return;
      }
      send(res, request, error.status, error.body(), error.headers);
    }
  });

  function route(req: IncomingMessage, request: RecordedRequest): unknown {
    if (req.method !== 'GET') throw new FakeApiError(405, 'methodNotAllowed', `${req.method} is not allowed here`);
    const token = /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1];
    if (token === undefined || !options.accessTokens.includes(token)) {
      throw new FakeApiError(401, 'authError', 'Invalid Credentials');
    }
    if (request.path === `${API}/users/me/calendarList`) return calendarList(request.query);
    const events = EVENTS_PATH.exec(request.path);
    if (events !== null) {
      const calendar = store.calendars.get(decodeURIComponent(events[1] ?? ''));
      if (calendar === undefined || calendar.deleted) throw new FakeApiError(404, 'notFound', 'Not Found');
      return listEvents(store, calendar, request.query, limits);
    }
    throw new FakeApiError(404, 'notFound', `Not Found: ${request.path}`);
  }

  function calendarList(query: URLSearchParams): unknown {
    const entries = [...store.calendars.values()].filter(
      (calendar) => (!calendar.hidden || query.get('showHidden') === 'true') && (!calendar.deleted || query.get('showDeleted') === 'true'),
    );
    const size = Math.min(Number(query.get('maxResults') ?? 100), 250, options.calendarListPageSize ?? 250);
    const offset = Number(query.get('pageToken') ?? 0);
    const more = offset + size < entries.length;
    return {
      kind: 'calendar#calendarList',
      etag: '"list"',
      ...(more ? { nextPageToken: String(offset + size) } : { nextSyncToken: 'calendar-list-sync' }),
      items: entries.slice(offset, offset + size).map((calendar) => ({
        kind: 'calendar#calendarListEntry',
        id: calendar.id,
        summary: calendar.summary,
        timeZone: calendar.timeZone,
        accessRole: 'owner',
        ...(calendar.hidden ? { hidden: true } : {}),
        ...(calendar.deleted ? { deleted: true } : {}),
      })),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    rootUrl: `http://127.0.0.1:${port}/`,
    port,
    store,
    requests,
    limits,
    inject: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(res: ServerResponse, request: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
  request.status = status;
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}
