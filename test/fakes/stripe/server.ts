/**
 * A Stripe-compatible HTTP server on 127.0.0.1 for tests, benchmarks and the demo.
 *
 * It speaks the wire format the official SDK speaks (form-encoded query, JSON
 * bodies, Stripe's error JSON, `Stripe-Account`, `Request-Id`), serves the list
 * endpoints salvage uses, and can be slow, rate limited or broken on purpose. It is
 * read-only (any other method on a list endpoint is answered 405) and records every
 * request it receives, whatever the method, so that a test can prove that nothing but
 * GETs was ever sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { FakeStripeAccount } from './account.js';
import { FaultPlan, SlidingWindowLimit, type FaultKind, type FaultRule, type RandomFaults } from './faults.js';
import { LIST_ROUTES, listObjects, StripeApiError } from './list-endpoint.js';
import { decodeQuery, QueryError, type QueryValue } from './query.js';

export interface FakeStripeOptions {
  /** The key's own account. */
  account: FakeStripeAccount;
  /** Connected accounts, reachable with `Stripe-Account: <id>`. */
  connectedAccounts?: FakeStripeAccount[];
  /** Keys accepted; default any `rk_`/`sk_` key. */
  acceptKeys?: string[];
  /** List paths the key may not read (answered 403, like a restricted key without that permission). */
  forbiddenPaths?: string[];
  /** Added to every answer (ms). */
  latencyMs?: number;
  /** Admitted requests per second; the rest get 429. */
  rateLimit?: { requestsPerSecond: number; retryAfterSeconds?: number; shouldRetryHeader?: boolean };
  faults?: FaultRule[];
  randomFaults?: RandomFaults;
  /** "Now" for the events horizon (default: the real clock). */
  now?: () => Date;
  /**
   * How many days back /v1/events reaches (default 30, as Stripe keeps events).
   * `Infinity` keeps every event: the demo replays a story longer than that.
   */
  eventRetentionDays?: number;
}

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  query: Record<string, QueryValue>;
  rawQuery: string;
  account: string | null;
  /** Milliseconds since the server started, when the request arrived. */
  at: number;
  remoteAddress: string | undefined;
  status?: number;
  fault?: FaultKind | 'rate-limited';
}

export interface FakeStripeServer {
  /** `http://127.0.0.1:<port>`, for `apiBase`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripeServer> {
  const started = performance.now();
  const requests: RecordedRequest[] = [];
  const faults = new FaultPlan(options.faults, options.randomFaults);
  const limit = options.rateLimit ? new SlidingWindowLimit(options.rateLimit.requestsPerSecond) : undefined;
  const accounts = new Map((options.connectedAccounts ?? []).map((account) => [account.accountId, account]));
  const sockets = new Set<Socket>();
  let requestIds = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { type: 'api_error', message: `fake Stripe crashed: ${String(error)}` } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.stripe');
    const recorded: RecordedRequest = {
      seq: requests.length + 1,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: {},
      rawQuery: url.search,
      account: headerValue(req, 'stripe-account') ?? null,
      at: performance.now() - started,
      remoteAddress: req.socket.remoteAddress,
    };
    requests.push(recorded);
    // Drained, not read: no answer depends on a body (the fake is read-only), and a drained
    // request keeps its keep-alive socket usable.
    req.resume();

    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      recorded.status = status;
      return respondLater(res, status, body, headers);
    };

    if (limit && !limit.admit(performance.now())) {
      recorded.fault = 'rate-limited';
      const headers: Record<string, string> = {};
      if (options.rateLimit?.shouldRetryHeader) headers['Stripe-Should-Retry'] = 'true';
      if (options.rateLimit?.retryAfterSeconds !== undefined) headers['Retry-After'] = String(options.rateLimit.retryAfterSeconds);
      return answer(429, rateLimitBody(), headers);
    }
    try {
      recorded.query = decodeQuery(url.search);
    } catch (error) {
      if (error instanceof QueryError) return answer(400, invalidRequest(error.message));
      throw error;
    }
    const fault = faults.next({ method: recorded.method, path: recorded.path, query: recorded.query });
    if (fault) {
      recorded.fault = fault.kind;
      switch (fault.kind) {
        case 'rate-limit':
          return answer(429, rateLimitBody(), fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {});
        case 'rate-limit-retry-after':
          return answer(429, rateLimitBody(), { 'Stripe-Should-Retry': 'true', 'Retry-After': String(fault.retryAfterSeconds ?? 1) });
        case 'server-error':
          return answer(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
        case 'unavailable-no-retry':
          return answer(503, { error: { type: 'api_error', message: 'The service is unavailable' } }, { 'Stripe-Should-Retry': 'false' });
        case 'drop-connection':
          recorded.status = 0;
          await pause();
          req.socket.destroy();
          return;
        case 'garbage':
          recorded.status = 200;
          await pause();
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end('<html><body>502 Bad Gateway</body></html>');
          return;
      }
    }

    const key = /^Bearer (.+)$/.exec(headerValue(req, 'authorization') ?? '')?.[1];
    if (!key || !keyAccepted(key)) {
      return answer(401, {
        error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${maskKey(key ?? '')}` },
      });
    }
    const account = recorded.account === null ? options.account : accounts.get(recorded.account);
    if (!account) {
      return answer(403, {
        error: {
          type: 'invalid_request_error',
          code: 'account_invalid',
          message: `The provided key '${maskKey(key)}' does not have access to account '${recorded.account}' (or that account does not exist).`,
        },
      });
    }
    const route = LIST_ROUTES.find((r) => r.path === recorded.path);
    if (!route) return answer(404, invalidRequest(`Unrecognized request URL (${recorded.method}: ${recorded.path}).`));
    if (recorded.method !== 'GET') return answer(405, invalidRequest(`this fake Stripe is read-only (${recorded.method} ${recorded.path})`));
    if (options.forbiddenPaths?.includes(route.path)) {
      return answer(403, {
        error: {
          type: 'invalid_request_error',
          message: `The provided key '${maskKey(key)}' does not have the required permissions for this endpoint. Having the 'rak_${route.objectName.replace('.', '_')}_read' permission would allow this request to continue.`,
        },
      });
    }
    try {
      const nowSeconds = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
      const oldestEventSeconds = nowSeconds - (options.eventRetentionDays ?? 30) * 86_400;
      return answer(200, listObjects(account, route, recorded.query, { oldestEventSeconds }));
    } catch (error) {
      if (error instanceof StripeApiError) return answer(error.status, error.body());
      throw error;
    }
  }

  function keyAccepted(key: string): boolean {
    return options.acceptKeys ? options.acceptKeys.includes(key) : /^(rk|sk)_(live|test)_/.test(key);
  }

  const pause = () => (options.latencyMs ? delay(options.latencyMs) : Promise.resolve());

  async function respondLater(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): Promise<void> {
    await pause();
    send(res, status, body, { 'Request-Id': `req_${String(++requestIds).padStart(14, '0')}`, ...headers });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Stripe-Version': '2026-10-28.endive',
    ...headers,
  });
  res.end(text);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rateLimitBody() {
  return {
    error: {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    },
  };
}

function invalidRequest(message: string) {
  return { error: { type: 'invalid_request_error', message } };
}

/** Stripe echoes a key only masked: prefix, stars, last four. */
function maskKey(key: string): string {
  const prefix = /^[a-z]{2}_(live|test)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}
