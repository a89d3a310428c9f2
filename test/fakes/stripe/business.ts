/**
 * A small business's Stripe account, generated: customers who book and pay, some
 * refunds and disputes, subscriptions (some cancelled), checkout sessions,
 * products and prices, deleted customers, and the events all of that produced.
 * Deterministic for a seed, so that a test knows exactly what a pull must return.
 */
import { FakeStripeAccount } from './account.js';
import { integerBetween, pick, seededRandom, stripeId } from './random.js';
import * as shape from './shapes.js';
import type { StripeJson } from './shapes.js';

export interface BusinessSpec {
  seed?: number;
  /** For a connected account: its `acct_` id. */
  accountId?: string | null;
  /** Charges, refunds, sessions... are created in [from, to). */
  from: Date;
  to: Date;
  /** Customers, products and some charges are older, from here (default: 90 days before `from`). */
  before?: Date;
  /** When the pull happens: events older than 30 days before this are gone from the API. */
  now: Date;
  customers: number;
  charges: number;
  products?: number;
  subscriptions?: number;
  /** Share of charges refunded (default 0.1) and disputed (default 0.02). */
  refundRate?: number;
  disputeRate?: number;
  /** Customers deleted inside the window. */
  deletedCustomers?: number;
  /** Charges created before `from` and refunded inside the window. */
  olderChargesRefunded?: number;
  /** Emit events (default true). */
  events?: boolean;
}

export interface Business {
  account: FakeStripeAccount;
  /** The deleted customers as they were before deletion. */
  deletedCustomers: StripeJson[];
  /** Subscriptions created before the window and cancelled inside it. */
  cancelledOlderSubscriptions: StripeJson[];
}

const FIRST_NAMES = ['Ingrid', 'Lars', 'Sofie', 'Magnus', 'Nora', 'Emil', 'Astrid', 'Jonas', 'Maja', 'Henrik', 'Liv', 'Oskar'];
const LAST_NAMES = ['Hansen', 'Johansen', 'Olsen', 'Larsen', 'Berg', 'Dahl', 'Lie', 'Haugen', 'Moen', 'Bakke'];
const TRIPS = ['Half-day kayak tour', 'Sunset paddle', 'Fjord expedition (2 days)', 'Single kayak rental', 'Double kayak rental'];

export function buildBusiness(spec: BusinessSpec): Business {
  const random = seededRandom(spec.seed ?? 42);
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  const from = seconds(spec.from);
  const to = seconds(spec.to);
  const before = spec.before ? seconds(spec.before) : from - 90 * 86_400;
  const now = seconds(spec.now);
  const account = new FakeStripeAccount(spec.accountId ?? null);
  const events: StripeJson[] = [];
  const emit = (type: string, created: number, object: StripeJson, previousAttributes?: Record<string, unknown>) => {
    if (spec.events === false || created > now) return;
    events.push(
      shape.event({ id: stripeId('evt', random), created, type, object: structuredClone(object), previousAttributes, account: spec.accountId ?? undefined }),
    );
  };
  const between = (low: number, high: number) => integerBetween(random, low, Math.max(low, high - 1));

  // Products and their prices.
  const prices: StripeJson[] = [];
  for (let i = 0; i < (spec.products ?? 3); i++) {
    const created = between(before, to);
    const productId = stripeId('prod', random, 14);
    const oneTime = shape.price({ id: stripeId('price', random), created, product: productId, unitAmount: 45_00 + 10_00 * i });
    const monthly = shape.price({ id: stripeId('price', random), created, product: productId, unitAmount: 19_00 + 5_00 * i, recurring: 'month' });
    const product = shape.product({ id: productId, created, name: TRIPS[i % TRIPS.length] as string, defaultPrice: oneTime.id });
    account.add(product, oneTime, monthly);
    prices.push(monthly);
    emit('product.created', created, product);
    emit('price.created', created, oneTime);
    emit('price.created', created, monthly);
  }

  // Customers, oldest first, so that a charge can pick one who existed at the time.
  const customers: StripeJson[] = [];
  for (let i = 0; i < spec.customers; i++) {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const created = between(before, to);
    const customer = shape.customer({
      id: stripeId('cus', random, 14),
      created,
      email: `${first}.${last}.${i}@example.com`.toLowerCase(),
      name: `${first} ${last}`,
    });
    customers.push(customer);
    account.add(customer);
    emit('customer.created', created, customer);
  }
  customers.sort((a, b) => (a.created as number) - (b.created as number));
  const customerBefore = (at: number): StripeJson | undefined => {
    const eligible = customers.filter((c) => (c.created as number) <= at);
    return eligible.length && random() < 0.9 ? pick(random, eligible) : undefined;
  };

  const addPayment = (created: number, refundWindow: [number, number] | undefined) => {
    const customer = customerBefore(created);
    const amount = integerBetween(random, 50, 1500) * 100;
    const chargeId = stripeId('ch', random);
    const intentId = stripeId('pi', random);
    const email = (customer?.email as string | undefined) ?? `walk-in.${chargeId.slice(3, 9).toLowerCase()}@example.com`;
    const reference = Array.from({ length: 6 }, () => pick(random, [...'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'])).join('');
    const charge = shape.charge({
      id: chargeId,
      created,
      amount,
      customer: customer?.id ?? null,
      paymentIntent: intentId,
      email,
      name: (customer?.name as string | undefined) ?? null,
      description: `Booking ${reference}`,
      metadata: { booking_ref: reference },
    });
    const intent = shape.paymentIntent({ id: intentId, created, amount, customer: customer?.id ?? null, latestCharge: chargeId, email });
    account.add(charge, intent);
    emit('payment_intent.succeeded', created, intent);
    emit('charge.succeeded', created, charge);
    if (random() < 0.5) {
      const session = shape.checkoutSession({
        id: stripeId('cs_test', random, 58),
        created: Math.max(before, created - integerBetween(random, 1, 60)),
        amount,
        customer: customer?.id ?? null,
        email,
        name: (customer?.name as string | undefined) ?? null,
        paymentIntent: intentId,
        reference,
      });
      account.add(session);
      emit('checkout.session.completed', created, session);
    }
    if (refundWindow) {
      const refundedAt = between(refundWindow[0], refundWindow[1]);
      const refundAmount = random() < 0.7 ? amount : Math.round(amount / 2);
      const refund = shape.refund({ id: stripeId('re', random), created: refundedAt, amount: refundAmount, charge: chargeId, paymentIntent: intentId });
      charge.amount_refunded = refundAmount;
      charge.refunded = refundAmount >= amount;
      account.add(refund);
      emit('refund.created', refundedAt, refund);
      emit('charge.refunded', refundedAt, charge, { amount_refunded: 0, refunded: false });
    } else if (created >= from && random() < (spec.disputeRate ?? 0.02)) {
      const disputedAt = between(created + 3600, to);
      if (disputedAt < to) {
        const dispute = shape.dispute({ id: stripeId('dp', random), created: disputedAt, amount, charge: chargeId, paymentIntent: intentId });
        charge.disputed = true;
        account.add(dispute);
        emit('charge.dispute.created', disputedAt, dispute);
      }
    }
  };

  for (let i = 0; i < spec.charges; i++) {
    const created = between(from, to);
    const refunded = random() < (spec.refundRate ?? 0.1) && created + 3600 < to;
    addPayment(created, refunded ? [created + 3600, Math.min(to, created + 10 * 86_400)] : undefined);
  }
  for (let i = 0; i < (spec.olderChargesRefunded ?? 0); i++) {
    addPayment(between(before, from), [from, to]);
  }

  // Subscriptions: some created before the window and cancelled inside it.
  const cancelledOlderSubscriptions: StripeJson[] = [];
  for (let i = 0; i < (spec.subscriptions ?? 0) && customers.length > 0 && prices.length > 0; i++) {
    const customer = pick(random, customers);
    const created = between(Math.max(customer.created as number, before), to);
    const cancelled = random() < 0.3 ? between(Math.max(created + 86_400, from), to) : null;
    const id = stripeId('sub', random);
    const invoiceId = stripeId('in', random);
    const price = pick(random, prices);
    const subscription = shape.subscription({
      id,
      created,
      customer: customer.id,
      price,
      status: cancelled && cancelled < to ? 'canceled' : 'active',
      canceledAt: cancelled && cancelled < to ? cancelled : null,
      latestInvoice: invoiceId,
    });
    const invoice = shape.invoice({
      id: invoiceId,
      created,
      customer: customer.id,
      email: customer.email as string,
      name: customer.name as string,
      subscription: id,
      amount: price.unit_amount as number,
    });
    account.add(subscription, invoice);
    emit('customer.subscription.created', created, { ...subscription, status: 'active', canceled_at: null, ended_at: null });
    emit('invoice.paid', created, invoice);
    if (subscription.status === 'canceled') {
      emit('customer.subscription.deleted', subscription.canceled_at as number, subscription);
      if (created < from) cancelledOlderSubscriptions.push(subscription);
    }
  }

  // Deleted customers: gone from the list; only their customer.deleted event remains.
  const deletedCustomers: StripeJson[] = [];
  const deletable = customers.filter((c) => (c.created as number) >= from && (c.created as number) < to - 3600);
  for (let i = 0; i < (spec.deletedCustomers ?? 0) && deletable.length > 0; i++) {
    const customer = deletable.splice(Math.floor(random() * deletable.length), 1)[0] as StripeJson;
    const deletedAt = between((customer.created as number) + 60, to);
    account.delete(customer.id);
    deletedCustomers.push(customer);
    emit('customer.deleted', deletedAt, customer);
  }

  account.add(...events);
  return { account, deletedCustomers, cancelledOlderSubscriptions };
}
