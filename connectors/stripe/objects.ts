/**
 * The Stripe objects salvage can pull, and how each is listed.
 *
 * Every kind here is listed newest first and filtered by `created`, which is what
 * time slicing relies on. Expansions are chosen for what a recovery mapping needs
 * from a related object (a charge's customer email) so that no mapping has to fetch
 * objects one by one.
 */
import type Stripe from 'stripe';
import { SourceInputError } from '../../src/records/connector.js';

/** An object as Stripe returned it (with expansions). */
export interface StripeObject {
  id: string;
  object: string;
  created?: number;
  deleted?: boolean;
  [field: string]: unknown;
}

/** The parameters every list request of a pull sends. */
export interface ListParams {
  created: { gte: number; lt: number };
  limit: number;
  starting_after?: string;
  expand?: string[];
}

export interface ListResponse {
  data: unknown[];
  has_more: boolean;
}

export interface StripeObjectKind {
  /** The name in `objects:` of salvage.yaml, e.g. `charges`. */
  name: string;
  /** The envelope's `type`, e.g. `stripe.charge`. */
  recordType: string;
  /** The value of `object` on these objects, e.g. `charge`, `checkout.session`. */
  objectName: string;
  /** The API path, for messages. */
  path: string;
  expand: string[];
  /**
   * Deleted objects of this kind disappear from its list; only a `<object>.deleted`
   * event still tells of them.
   */
  deletable: boolean;
  /** Pulled when `objects:` is not given (the Connect kinds are not: most accounts have none). */
  pulledByDefault: boolean;
  /** Only the platform has these (its connected accounts, its fees): a Connect pull does not ask the connected accounts. */
  platformOnly?: boolean;
  list(stripe: Stripe, params: ListParams, options: Stripe.RequestOptions): PromiseLike<ListResponse>;
}

export const EVENTS_KIND_NAME = 'events';
export const ACCOUNTS_KIND_NAME = 'accounts';

/** In the order they are listed in messages. */
export const OBJECT_KINDS: readonly StripeObjectKind[] = [
  {
    name: 'customers',
    recordType: 'stripe.customer',
    objectName: 'customer',
    path: '/v1/customers',
    expand: [],
    deletable: true,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.customers.list(params, options),
  },
  {
    name: 'charges',
    recordType: 'stripe.charge',
    objectName: 'charge',
    path: '/v1/charges',
    // The customer's email and name are what a payments row is matched by.
    expand: ['data.customer'],
    deletable: false,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.charges.list(params, options),
  },
  {
    name: 'payment_intents',
    recordType: 'stripe.payment_intent',
    objectName: 'payment_intent',
    path: '/v1/payment_intents',
    expand: ['data.customer'],
    deletable: false,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.paymentIntents.list(params, options),
  },
  {
    name: 'refunds',
    recordType: 'stripe.refund',
    objectName: 'refund',
    path: '/v1/refunds',
    expand: [],
    deletable: false,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.refunds.list(params, options),
  },
  {
    name: 'invoices',
    recordType: 'stripe.invoice',
    objectName: 'invoice',
    path: '/v1/invoices',
    // Invoices carry customer_email and customer_name themselves.
    expand: [],
    deletable: false,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.invoices.list(params, options),
  },
  {
    name: 'subscriptions',
    recordType: 'stripe.subscription',
    objectName: 'subscription',
    path: '/v1/subscriptions',
    expand: ['data.customer'],
    deletable: false,
    pulledByDefault: true,
    // Without status=all Stripe leaves out canceled subscriptions: exactly the
    // cancellations a recovery must not miss.
    list: (stripe, params, options) => stripe.subscriptions.list({ ...params, status: 'all' }, options),
  },
  {
    name: 'checkout_sessions',
    recordType: 'stripe.checkout.session',
    objectName: 'checkout.session',
    path: '/v1/checkout/sessions',
    // customer_details.email is on the session itself.
    expand: [],
    deletable: false,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.checkout.sessions.list(params, options),
  },
  {
    name: 'disputes',
    recordType: 'stripe.dispute',
    objectName: 'dispute',
    path: '/v1/disputes',
    expand: [],
    deletable: false,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.disputes.list(params, options),
  },
  {
    name: 'products',
    recordType: 'stripe.product',
    objectName: 'product',
    path: '/v1/products',
    expand: [],
    deletable: true,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.products.list(params, options),
  },
  {
    name: 'prices',
    recordType: 'stripe.price',
    objectName: 'price',
    path: '/v1/prices',
    expand: [],
    deletable: true,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.prices.list(params, options),
  },
  {
    name: EVENTS_KIND_NAME,
    recordType: 'stripe.event',
    objectName: 'event',
    path: '/v1/events',
    expand: [],
    deletable: false,
    pulledByDefault: true,
    list: (stripe, params, options) => stripe.events.list(params, options),
  },
  {
    // Connect: the platform's connected accounts (a platform key; `accounts: all` also lists them to pull each).
    name: ACCOUNTS_KIND_NAME,
    recordType: 'stripe.account',
    objectName: 'account',
    path: '/v1/accounts',
    expand: [],
    deletable: true,
    pulledByDefault: false,
    platformOnly: true,
    list: (stripe, params, options) => stripe.accounts.list(params, options),
  },
  {
    // Connect: what the platform took from each connected account's charges.
    name: 'application_fees',
    recordType: 'stripe.application_fee',
    objectName: 'application_fee',
    path: '/v1/application_fees',
    expand: [],
    deletable: false,
    pulledByDefault: false,
    platformOnly: true,
    list: (stripe, params, options) => stripe.applicationFees.list(params, options),
  },
];

/** What a pull takes when `objects:` is not given. */
export const DEFAULT_OBJECTS: readonly string[] = OBJECT_KINDS.filter((kind) => kind.pulledByDefault).map((kind) => kind.name);
/** Every kind salvage can pull. */
export const KNOWN_OBJECTS: readonly string[] = OBJECT_KINDS.map((kind) => kind.name);

/** `checkout.sessions`, `Checkout Sessions` and `checkout_sessions` all name the same kind. */
function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s.-]+/g, '_');
}

/** The configured kinds, in catalog order; unknown names are reported all at once. */
export function resolveObjectKinds(names: readonly string[] | undefined, where: string): StripeObjectKind[] {
  const wanted = new Set((names ?? DEFAULT_OBJECTS).map(normalizeName));
  const unknown = [...wanted].filter((name) => !OBJECT_KINDS.some((kind) => kind.name === name));
  if (unknown.length) {
    throw new SourceInputError(
      `unknown Stripe object${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} in objects ` +
        `(known: ${KNOWN_OBJECTS.join(', ')})`,
      where,
    );
  }
  if (wanted.size === 0) throw new SourceInputError(`objects is empty (known: ${KNOWN_OBJECTS.join(', ')})`, where);
  return OBJECT_KINDS.filter((kind) => wanted.has(kind.name));
}

export function isStripeObject(value: unknown): value is StripeObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && v.id !== '' && typeof v.object === 'string';
}
