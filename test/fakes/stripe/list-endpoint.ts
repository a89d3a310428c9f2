/**
 * Stripe's list endpoints, as far as salvage uses them: `created` range filters,
 * `limit` (1..100, default 10), `starting_after`, `expand[]` of `data.<field>`,
 * `has_more`, and the per-endpoint quirks that matter for completeness (canceled
 * subscriptions only with `status=all`; events only as far back as the server keeps them).
 * Parameters Stripe would not accept are answered with Stripe's 400 error.
 */
import type { FakeStripeAccount } from './account.js';
import type { QueryValue } from './query.js';
import type { StripeJson } from './shapes.js';

export interface ListRoute {
  path: string;
  objectName: string;
  /** Extra parameters this fake implements for the endpoint. */
  extraParams: readonly string[];
}

export const LIST_ROUTES: readonly ListRoute[] = [
  { path: '/v1/customers', objectName: 'customer', extraParams: [] },
  { path: '/v1/charges', objectName: 'charge', extraParams: [] },
  { path: '/v1/payment_intents', objectName: 'payment_intent', extraParams: [] },
  { path: '/v1/refunds', objectName: 'refund', extraParams: [] },
  { path: '/v1/invoices', objectName: 'invoice', extraParams: [] },
  { path: '/v1/subscriptions', objectName: 'subscription', extraParams: ['status'] },
  { path: '/v1/checkout/sessions', objectName: 'checkout.session', extraParams: [] },
  { path: '/v1/disputes', objectName: 'dispute', extraParams: [] },
  { path: '/v1/products', objectName: 'product', extraParams: [] },
  { path: '/v1/prices', objectName: 'price', extraParams: [] },
  { path: '/v1/events', objectName: 'event', extraParams: ['type', 'types'] },
  // Connect: the platform's connected accounts and the fees it collected from them.
  { path: '/v1/accounts', objectName: 'account', extraParams: [] },
  { path: '/v1/application_fees', objectName: 'application_fee', extraParams: [] },
];

const COMMON_PARAMS = ['created', 'limit', 'starting_after', 'ending_before', 'expand'];
/** Fields whose ids `expand[]=data.<field>` replaces with the object. */
const EXPANDABLE = new Set(['customer', 'charge', 'payment_intent', 'invoice', 'subscription', 'latest_charge', 'latest_invoice', 'product', 'default_price', 'balance_transaction']);

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  body(): { error: Record<string, string> } {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code ? { code: this.code } : {}),
        ...(this.param ? { param: this.param } : {}),
      },
    };
  }
}

const invalid = (message: string, param?: string, code?: string) => new StripeApiError(400, 'invalid_request_error', message, code, param);

export interface ListOptions {
  /** Unix seconds: events created before this are gone (Stripe keeps them for 30 days). */
  oldestEventSeconds: number;
}

export function listObjects(account: FakeStripeAccount, route: ListRoute, query: Record<string, QueryValue>, options: ListOptions): unknown {
  for (const param of Object.keys(query)) {
    if (!COMMON_PARAMS.includes(param) && !route.extraParams.includes(param)) throw invalid(`Received unknown parameter: ${param}`, param);
  }
  if (query.ending_before !== undefined) throw invalid('ending_before is not implemented by the fake Stripe server', 'ending_before');
  const limit = query.limit === undefined ? 10 : integerParam(query.limit, 'limit');
  if (limit < 1 || limit > 100) throw invalid(`This value must be greater than or equal to 1 and less than or equal to 100.`, 'limit');
  const range = createdRange(query.created);
  const expand = expandFields(query.expand, route);
  const matches = extraFilter(route, query, options);

  const list = account.list(route.objectName);
  let index = firstIndexBelow(list, range.lt);
  if (query.starting_after !== undefined) {
    if (typeof query.starting_after !== 'string') throw invalid('Invalid string', 'starting_after');
    const position = account.positionOf(route.objectName, query.starting_after);
    if (position === undefined) {
      throw invalid(`No such ${route.objectName.replace(/^.*\./, '')}: '${query.starting_after}'`, 'starting_after', 'resource_missing');
    }
    index = Math.max(index, position + 1);
  }
  const data: unknown[] = [];
  let hasMore = false;
  for (; index < list.length; index++) {
    const object = list[index] as StripeJson;
    if ((object.created as number) < range.gte) break;
    if (!matches(object)) continue;
    if (data.length === limit) {
      hasMore = true;
      break;
    }
    data.push(account.served(expandObject(object, expand, account)));
  }
  return { object: 'list', data, has_more: hasMore, url: route.path };
}

function integerParam(value: QueryValue, param: string): number {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw invalid('Invalid integer: ' + JSON.stringify(value), param);
  return Number(value);
}

/** `created=N` or `created[gt|gte|lt|lte]=N`, as a half-open `[gte, lt)`. */
function createdRange(created: QueryValue | undefined): { gte: number; lt: number } {
  const range = { gte: Number.NEGATIVE_INFINITY, lt: Number.POSITIVE_INFINITY };
  if (created === undefined) return range;
  if (typeof created === 'string') {
    const at = integerParam(created, 'created');
    return { gte: at, lt: at + 1 };
  }
  if (Array.isArray(created)) throw invalid('Invalid hash', 'created');
  for (const [op, value] of Object.entries(created)) {
    const n = integerParam(value, `created[${op}]`);
    if (op === 'gte') range.gte = Math.max(range.gte, n);
    else if (op === 'gt') range.gte = Math.max(range.gte, n + 1);
    else if (op === 'lt') range.lt = Math.min(range.lt, n);
    else if (op === 'lte') range.lt = Math.min(range.lt, n + 1);
    else throw invalid(`Received unknown parameter: created[${op}]`, `created[${op}]`);
  }
  return range;
}

function expandFields(expand: QueryValue | undefined, route: ListRoute): string[] {
  if (expand === undefined) return [];
  const paths = Array.isArray(expand) ? expand : typeof expand === 'string' ? [expand] : Object.values(expand);
  return paths.map((path) => {
    const field = typeof path === 'string' ? /^data\.([a-z_]+)$/.exec(path)?.[1] : undefined;
    if (!field || !EXPANDABLE.has(field) || route.objectName === 'event') {
      throw invalid(`This property cannot be expanded (${String(path)}).`, 'expand');
    }
    return field;
  });
}

function expandObject(object: StripeJson, fields: readonly string[], account: FakeStripeAccount): StripeJson {
  if (fields.length === 0) return object;
  const copy: StripeJson = { ...object };
  for (const field of fields) {
    const id = copy[field];
    if (typeof id !== 'string') continue;
    copy[field] = account.get(id) ?? id;
  }
  return copy;
}

function extraFilter(route: ListRoute, query: Record<string, QueryValue>, options: ListOptions): (object: StripeJson) => boolean {
  if (route.objectName === 'subscription') {
    const status = query.status ?? null;
    // Stripe: without a status, every subscription that has not been canceled.
    if (status === null) return (s) => s.status !== 'canceled' && s.status !== 'incomplete_expired';
    if (status === 'all') return () => true;
    if (status === 'ended') return (s) => s.status === 'canceled' || s.status === 'incomplete_expired';
    if (typeof status !== 'string') throw invalid('Invalid string', 'status');
    return (s) => s.status === status;
  }
  if (route.objectName === 'event') {
    const oldest = options.oldestEventSeconds;
    const types = query.types === undefined ? undefined : Array.isArray(query.types) ? query.types : [query.types];
    const type = typeof query.type === 'string' ? query.type : undefined;
    const typeMatches = type === undefined ? () => true : type.endsWith('.*') ? (t: string) => t.startsWith(type.slice(0, -1)) : (t: string) => t === type;
    return (e) =>
      (e.created as number) >= oldest && typeMatches(e.type as string) && (types === undefined || types.includes(e.type as string));
  }
  return () => true;
}

/** First index whose `created` is below `lt` (the list is sorted descending). */
function firstIndexBelow(list: readonly StripeJson[], lt: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (((list[mid] as StripeJson).created as number) >= lt) low = mid + 1;
    else high = mid;
  }
  return low;
}
