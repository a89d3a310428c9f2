import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { EXPORT_PATHS, type Incident } from './incident.js';

/**
 * The sample incident's Stripe account as the Stripe API would serve it: a small
 * server on 127.0.0.1 that `salvage demo` points a `stripe` source at, so the demo
 * pulls charges, refunds and their events through the real connector and the official SDK.
 *
 * It answers what the connector sends (connectors/stripe/page-fetcher.ts): list
 * requests with `created[gte|gt|lt|lte]`, `limit`, `starting_after` and `expand[]`,
 * newest first, as `{ object: 'list', data, has_more, url }`. Events are those the
 * refunds made (`refund.created` and `charge.refunded`, the charge as it is now); other
 * object lists (customers, ...) are empty: the business only kept charges and refunds.
 * Read-only: any other method is refused with 405.
 */
export interface StripeReplay {
  /** The `apiBase` of a stripe source. */
  apiBase: string;
  /** Every request received, so a test can prove nothing but GETs reached the replay. */
  requests: ReadonlyArray<{ method: string; path: string }>;
  stop(): Promise<void>;
}

export interface StripeReplayObjects {
  charges: object[];
  refunds: object[];
  /** Served at /v1/events; none when absent. */
  events?: object[];
}

/** A Stripe API object, as JSON. */
export type StripeObjectJson = { id: string; object: string; created: number; [field: string]: unknown };

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const LIST_PATH = /^\/v1\/[a-z_]+(?:\/[a-z_]+)?$/;
const CREATED_BOUND = /^created\[(gte|gt|lte|lt)\]$/;

export async function startStripeReplay(objects: StripeReplayObjects): Promise<StripeReplay> {
  const lists = new Map<string, StripeObjectJson[]>([
    ['/v1/charges', newestFirst(objects.charges as StripeObjectJson[])],
    ['/v1/refunds', newestFirst(objects.refunds as StripeObjectJson[])],
    ['/v1/events', newestFirst((objects.events ?? []) as StripeObjectJson[])],
  ]);
  const requests: Array<{ method: string; path: string }> = [];
  let requestIds = 0;

  const server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://replay');
    requests.push({ method: req.method ?? '', path: url.pathname });
    const requestId = `req_replay${String(++requestIds).padStart(8, '0')}`;
    if (req.method !== 'GET') return sendError(res, 405, requestId, `this replay is read-only (${req.method} ${url.pathname})`);
    if (!LIST_PATH.test(url.pathname)) return sendError(res, 404, requestId, `Unrecognized request URL (GET: ${url.pathname}).`);
    try {
      send(res, 200, requestId, listPage(lists.get(url.pathname) ?? [], url.pathname, url.searchParams));
    } catch (error) {
      if (error instanceof InvalidRequest) sendError(res, 400, requestId, error.message, error.param, error.code);
      else sendError(res, 500, requestId, 'replay failed', undefined, undefined, 'api_error');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Stripe's order: newest first; the id breaks ties so that `starting_after` is stable. */
function newestFirst(list: StripeObjectJson[]): StripeObjectJson[] {
  return [...list].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

class InvalidRequest extends Error {
  constructor(
    message: string,
    readonly param: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * One page of a list. `expand[]` is accepted and has nothing to do: a charge's
 * `customer` is null (guest checkout), and any object given already expanded stays so.
 */
function listPage(list: StripeObjectJson[], path: string, query: URLSearchParams): unknown {
  const limit = integerParam(query, 'limit') ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) throw new InvalidRequest(`This value must be greater than or equal to 1 and less than or equal to ${MAX_LIMIT}.`, 'limit');
  const { gte, lt } = createdRange(query);
  let start = 0;
  const after = query.get('starting_after');
  if (after !== null) {
    const position = list.findIndex((object) => object.id === after);
    if (position < 0) throw new InvalidRequest(`No such object: '${after}'`, 'starting_after', 'resource_missing');
    start = position + 1;
  }
  const matching = list.slice(start).filter((object) => object.created >= gte && object.created < lt);
  return { object: 'list', data: matching.slice(0, limit), has_more: matching.length > limit, url: path };
}

/** `created[gte|gt|lt|lte]` (or `created=N`) as a half-open `[gte, lt)` in seconds. */
function createdRange(query: URLSearchParams): { gte: number; lt: number } {
  const range = { gte: Number.NEGATIVE_INFINITY, lt: Number.POSITIVE_INFINITY };
  const exact = integerParam(query, 'created');
  if (exact !== undefined) return { gte: exact, lt: exact + 1 };
  for (const name of query.keys()) {
    const op = CREATED_BOUND.exec(name)?.[1];
    if (op === undefined) continue;
    const n = integerParam(query, name) as number;
    if (op === 'gte') range.gte = Math.max(range.gte, n);
    else if (op === 'gt') range.gte = Math.max(range.gte, n + 1);
    else if (op === 'lt') range.lt = Math.min(range.lt, n);
    else range.lt = Math.min(range.lt, n + 1);
  }
  return range;
}

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^-?\d+$/.test(value)) throw new InvalidRequest(`Invalid integer: ${value}`, name);
  return Number(value);
}

function send(res: ServerResponse, status: number, requestId: string, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'request-id': requestId });
  res.end(text);
}

/** Stripe's error JSON, which the SDK turns into its typed errors. */
function sendError(res: ServerResponse, status: number, requestId: string, message: string, param?: string, code?: string, type = 'invalid_request_error'): void {
  send(res, status, requestId, { error: { type, message, ...(param ? { param } : {}), ...(code ? { code } : {}) } });
}

// ---------------------------------------------------------------------------
// The incident's charges and refunds as Stripe objects

type CsvRow = Record<string, string>;

const NULL_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

/** The Dashboard's status column, for charges that went through; anything else was declined. */
const SUCCEEDED_STATUSES = new Set(['Paid', 'Refunded', 'Partially Refunded']);

/**
 * The incident's card charges and refunds as the Stripe API returns them: exactly the
 * charges and refunds of its Dashboard exports (`exports/payments.csv`,
 * `exports/refunds.csv`, see stripe-exports.ts), in their state at loss time. They are
 * read back from the exports because the exports are what the generator derived from the
 * simulated history, and the incident keeps no other record of card names, the emails
 * as customers typed them, declined attempts or which charges carry `booking_ref`.
 * Checkout ran as a guest checkout: no Stripe customer, the payer in `billing_details`.
 */
export function stripeObjects(incident: Incident): StripeReplayObjects {
  const charges = exportRows(incident, EXPORT_PATHS.payments).map(chargeObject);
  const refunds = exportRows(incident, EXPORT_PATHS.refunds).map(refundObject);
  return { charges, refunds, events: refundEvents(refunds, charges) };
}

/**
 * The events Stripe sends for each refund: `refund.created` with the refund, and
 * `charge.refunded` with the charge, both at the refund's time. The charge is shown as
 * it is at loss time (the export's state), which is what the last refund's event holds;
 * a charge refunded twice has only its final state to show in both.
 */
export function refundEvents(refunds: StripeObjectJson[], charges: StripeObjectJson[]): StripeObjectJson[] {
  const chargeById = new Map(charges.map((charge) => [charge.id, charge]));
  return refunds.flatMap((refund) => {
    const event = (type: string, object: StripeObjectJson, previous?: Record<string, unknown>): StripeObjectJson => ({
      id: `evt_${type.replace(/\W/g, '_')}_${refund.id.slice(3)}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: refund.created,
      data: { object, ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      type,
    });
    const charge = chargeById.get(String(refund.charge));
    const events = [event('refund.created', refund)];
    if (charge) events.push(event('charge.refunded', charge, { amount_refunded: (charge.amount_refunded as number) - (refund.amount as number), refunded: false }));
    return events;
  });
}

function exportRows(incident: Incident, path: string): CsvRow[] {
  const content = incident.exports[path];
  if (content === undefined) throw new Error(`the incident has no ${path}`);
  return parse(content, { bom: true, columns: true, skip_empty_lines: true }) as CsvRow[];
}

function chargeObject(row: CsvRow): StripeObjectJson {
  const id = field(row, 'id');
  const amount = cents(field(row, 'Amount'));
  const amountRefunded = cents(field(row, 'Amount Refunded'));
  const succeeded = SUCCEEDED_STATUSES.has(field(row, 'Status'));
  const bookingRef = field(row, 'booking_ref (metadata)');
  const email = field(row, 'Customer Email');
  return {
    id,
    object: 'charge',
    amount,
    amount_captured: succeeded ? amount : 0,
    amount_refunded: amountRefunded,
    balance_transaction: succeeded ? `txn_${id.slice(3)}` : null,
    billing_details: { address: { ...NULL_ADDRESS }, email, name: field(row, 'Card Name'), phone: null },
    calculated_statement_descriptor: 'FJORD KAYAKS',
    captured: succeeded,
    created: unixSeconds(field(row, 'Created date (UTC)')),
    currency: field(row, 'Currency'),
    customer: null,
    description: field(row, 'Description'),
    disputed: false,
    failure_code: succeeded ? null : 'card_declined',
    failure_message: succeeded ? null : 'Your card was declined.',
    livemode: false,
    // The older checkout flow did not set booking_ref: Stripe then has no such key at all.
    metadata: bookingRef === '' ? {} : { booking_ref: bookingRef },
    paid: succeeded,
    payment_intent: null,
    payment_method_details: { card: { brand: 'visa', country: 'NO', last4: '4242' }, type: 'card' },
    receipt_email: succeeded ? email : null,
    refunded: field(row, 'Status') === 'Refunded',
    status: succeeded ? 'succeeded' : 'failed',
  };
}

function refundObject(row: CsvRow): StripeObjectJson {
  const id = field(row, 'id');
  return {
    id,
    object: 'refund',
    amount: cents(field(row, 'Amount')),
    balance_transaction: `txn_${id.slice(3)}`,
    charge: field(row, 'Charge ID'),
    created: unixSeconds(field(row, 'Created (UTC)')),
    currency: field(row, 'Currency'),
    metadata: {},
    payment_intent: null,
    reason: field(row, 'Reason'),
    receipt_number: null,
    status: field(row, 'Status'),
  };
}

function field(row: CsvRow, name: string): string {
  const value = row[name];
  if (value === undefined) throw new Error(`the Stripe export has no column "${name}"`);
  return value;
}

/** `'172.50'` -> `17250`: Stripe amounts are integers in the currency's smallest unit. */
function cents(amount: string): number {
  const match = /^(\d+)\.(\d{2})$/.exec(amount);
  if (match === null) throw new Error(`not an amount with two decimals: "${amount}"`);
  return Number(match[1]) * 100 + Number(match[2]);
}

/** `'2026-03-02 14:02:00'` (UTC, as the Dashboard writes it) -> Unix seconds. */
function unixSeconds(time: string): number {
  const ms = Date.parse(`${time.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a Stripe export time: "${time}"`);
  return ms / 1000;
}
