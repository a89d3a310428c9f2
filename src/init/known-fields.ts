import type { RecordFamily, SourceField } from './families.js';

/**
 * The documented shapes of the records of API sources, which init cannot sample
 * without credentials: calendar events (every calendar connector writes the same
 * `data`), email messages, and Stripe objects as Stripe's API returns them.
 */

export const CALENDAR_STATUSES = ['CONFIRMED', 'TENTATIVE', 'CANCELLED'];

export function calendarEventFields(): SourceField[] {
  return [
    { path: 'data.attendees[0].email', label: 'attendee email', concept: 'email', kind: 'email', why: "the first attendee of a booking's event is usually the customer" },
    { path: 'data.attendees[0].name', label: 'attendee name', concept: 'fullName', kind: 'personName', why: "the first attendee's display name" },
    { path: 'data.organizer.email', label: 'organizer email', concept: 'email', kind: 'email', why: "the organizer's email: whose calendar it is (a practitioner, a guide), not the customer's" },
    { path: 'data.organizer.name', label: 'organizer name', concept: 'fullName', kind: 'personName', why: "the organizer's display name" },
    { path: 'data.start', label: 'start', concept: 'start', kind: 'eventTime', why: "the event's start" },
    { path: 'data.end', label: 'end', concept: 'end', kind: 'eventTime', why: "the event's end (exclusive for all-day events)" },
    { path: 'data.created', label: 'created', concept: 'created', kind: 'instant', why: 'when the event was created' },
    { path: 'data.lastModified', label: 'last modified', concept: 'updated', kind: 'instant', why: 'when the event last changed' },
    { path: 'data.status', label: 'status', concept: 'status', kind: 'status', values: CALENDAR_STATUSES, why: "the event's status" },
    { path: 'data.summary', label: 'summary', concept: 'title', kind: 'text', why: "the event's title" },
    { path: 'data.description', label: 'description', concept: 'description', kind: 'text', why: "the event's description" },
    { path: 'data.location', label: 'location', concept: 'location', kind: 'text', why: "the event's location" },
    { path: 'data.uid', label: 'uid', concept: 'eventUid', kind: 'text', why: "the event's iCalendar UID, the same in every export of it" },
  ];
}

export function emailMessageFields(): SourceField[] {
  return [
    { path: 'data.from.address', label: 'from address', concept: 'email', kind: 'email', why: "the sender's address" },
    { path: 'data.from.name', label: 'from name', concept: 'fullName', kind: 'personName', why: "the sender's display name" },
    { path: 'data.date', label: 'date', concept: 'created', kind: 'instant', why: 'when the message was sent (its Date header)' },
    { path: 'data.subject', label: 'subject', concept: 'title', kind: 'text', why: "the message's subject" },
    { path: 'data.text', label: 'text', concept: 'description', kind: 'text', why: "the message's plain text" },
  ];
}

/** `createdAt` of the envelope: Stripe's `created` (unix seconds) as ISO text, which timestamp reads as is. */
const created = (what: string): SourceField => ({ path: 'createdAt', label: 'created', concept: 'created', kind: 'instant', why: `when Stripe created the ${what} (its created, as ISO text in the record)` });
const ownId = (object: string, prefix: string): SourceField => ({
  path: 'data.id', label: 'id', concept: 'stripeId', stripeObject: object, ownId: true, kind: 'stripeId', why: `the ${object}'s own Stripe id (${prefix}...)`,
});
const currency: SourceField = { path: 'data.currency', label: 'currency', concept: 'currency', kind: 'currency', why: 'the three-letter currency code (Stripe writes it in lower case)' };
const cents = (path: string, why: string): SourceField => ({ path, label: path.slice(5), concept: 'amount', kind: 'cents', why });
const paymentIntentId: SourceField = {
  path: 'data.payment_intent',
  label: 'payment intent',
  concept: 'stripeId',
  stripeObject: 'payment_intent',
  kind: 'stripeId',
  why: 'the payment intent it belongs to (pi_...)',
};
const customerId: SourceField = {
  path: 'data.customer',
  label: 'customer',
  concept: 'stripeId',
  stripeObject: 'customer',
  kind: 'stripeId',
  why: 'the Stripe customer it belongs to (cus_...)',
};

interface StripeShape {
  type: string;
  object: string;
  thing: RecordFamily['thing'];
  describe: string;
  fields: SourceField[];
}

export const STRIPE_SHAPES: readonly StripeShape[] = [
  {
    type: 'stripe.customer',
    object: 'customer',
    thing: 'customer',
    describe: 'Stripe customers',
    fields: [
      ownId('customer', 'cus_'),
      { path: 'data.email', label: 'email', concept: 'email', kind: 'email', why: "the customer's email" },
      { path: 'data.name', label: 'name', concept: 'fullName', kind: 'personName', why: "the customer's name" },
      { path: 'data.phone', label: 'phone', concept: 'phone', kind: 'phone', why: "the customer's phone" },
      { path: 'data.description', label: 'description', concept: 'description', kind: 'text', why: "the customer's description" },
      created('customer'),
    ],
  },
  {
    type: 'stripe.charge',
    object: 'charge',
    thing: 'charge',
    describe: 'Stripe charges',
    fields: [
      ownId('charge', 'ch_'),
      cents('data.amount', 'the amount charged, in the smallest currency unit (cents)'),
      currency,
      { path: 'data.status', label: 'status', concept: 'status', kind: 'status', values: ['succeeded', 'pending', 'failed'], why: "the charge's status (a refunded charge still says succeeded: see data.refunded and data.amount_refunded)" },
      { path: 'data.billing_details.email', label: 'billing email', concept: 'email', kind: 'email', why: "the payer's email from the card's billing details" },
      { path: 'data.billing_details.name', label: 'billing name', concept: 'fullName', kind: 'personName', why: "the name on the card (may be someone else's, e.g. a partner who paid)" },
      { path: 'data.billing_details.phone', label: 'billing phone', concept: 'phone', kind: 'phone', why: "the payer's phone from the billing details" },
      { path: 'data.description', label: 'description', concept: 'description', kind: 'text', why: "the charge's description" },
      { ...customerId, path: 'data.customer.id' },
      paymentIntentId,
      created('charge'),
    ],
  },
  {
    type: 'stripe.refund',
    object: 'refund',
    thing: 'refund',
    describe: 'Stripe refunds',
    fields: [
      ownId('refund', 're_'),
      cents('data.amount', 'the amount refunded, in the smallest currency unit (cents)'),
      currency,
      { path: 'data.status', label: 'status', concept: 'status', kind: 'status', values: ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'], why: "the refund's status" },
      { path: 'data.charge', label: 'charge', concept: 'stripeId', stripeObject: 'charge', kind: 'stripeId', why: 'the charge it refunds (ch_...)' },
      paymentIntentId,
      { path: 'data.reason', label: 'reason', kind: 'text', why: 'why it was refunded' },
      created('refund'),
    ],
  },
  {
    type: 'stripe.invoice',
    object: 'invoice',
    thing: 'invoice',
    describe: 'Stripe invoices',
    fields: [
      ownId('invoice', 'in_'),
      cents('data.amount_paid', 'the amount paid, in the smallest currency unit (cents); data.amount_due and data.total are the others'),
      currency,
      { path: 'data.status', label: 'status', concept: 'status', kind: 'status', values: ['draft', 'open', 'paid', 'uncollectible', 'void'], why: "the invoice's status" },
      { path: 'data.customer_email', label: 'customer email', concept: 'email', kind: 'email', why: "the customer's email as the invoice has it" },
      { path: 'data.customer_name', label: 'customer name', concept: 'fullName', kind: 'personName', why: "the customer's name as the invoice has it" },
      { path: 'data.number', label: 'number', concept: 'reference', kind: 'text', why: "the invoice's number" },
      { path: 'data.description', label: 'description', concept: 'description', kind: 'text', why: "the invoice's description" },
      { ...customerId, path: 'data.customer' },
      created('invoice'),
    ],
  },
  {
    type: 'stripe.payment_intent',
    object: 'payment_intent',
    thing: 'payment_intent',
    describe: 'Stripe payment intents',
    fields: [
      ownId('payment_intent', 'pi_'),
      cents('data.amount', 'the amount, in the smallest currency unit (cents)'),
      currency,
      {
        path: 'data.status',
        label: 'status',
        concept: 'status',
        kind: 'status',
        values: ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'canceled', 'succeeded'],
        why: "the payment intent's status",
      },
      { path: 'data.receipt_email', label: 'receipt email', concept: 'email', kind: 'email', why: 'where the receipt went' },
      { path: 'data.description', label: 'description', concept: 'description', kind: 'text', why: "the payment intent's description" },
      { ...customerId, path: 'data.customer.id' },
      created('payment intent'),
    ],
  },
  {
    type: 'stripe.subscription',
    object: 'subscription',
    thing: 'subscription',
    describe: 'Stripe subscriptions',
    fields: [
      ownId('subscription', 'sub_'),
      {
        path: 'data.status',
        label: 'status',
        concept: 'status',
        kind: 'status',
        values: ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'],
        why: "the subscription's status",
      },
      { path: 'data.start_date', label: 'start date', concept: 'start', kind: 'unixSeconds', why: 'when the subscription started (unix seconds)' },
      { path: 'data.ended_at', label: 'ended at', concept: 'end', kind: 'unixSeconds', why: 'when it ended (unix seconds), if it has' },
      { ...customerId, path: 'data.customer.id' },
      created('subscription'),
    ],
  },
  {
    type: 'stripe.checkout.session',
    object: 'checkout.session',
    thing: 'checkout.session',
    describe: 'Stripe Checkout sessions',
    fields: [
      ownId('checkout.session', 'cs_'),
      cents('data.amount_total', 'the total, in the smallest currency unit (cents)'),
      currency,
      { path: 'data.payment_status', label: 'payment status', concept: 'status', kind: 'status', values: ['paid', 'unpaid', 'no_payment_required'], why: 'whether the session was paid' },
      { path: 'data.customer_details.email', label: 'customer email', concept: 'email', kind: 'email', why: "the email the customer typed at checkout" },
      { path: 'data.customer_details.name', label: 'customer name', concept: 'fullName', kind: 'personName', why: "the name the customer typed at checkout" },
      { path: 'data.customer_details.phone', label: 'customer phone', concept: 'phone', kind: 'phone', why: "the phone the customer typed at checkout" },
      { path: 'data.client_reference_id', label: 'client reference', concept: 'reference', kind: 'text', why: "your own reference passed to Checkout" },
      created('Checkout session'),
    ],
  },
];
