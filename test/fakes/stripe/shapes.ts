/**
 * Stripe objects in the shapes the real API returns them.
 *
 * Modelled on Stripe's official example objects (stripe/openapi `fixtures3.json`,
 * kept beside the project in /work/shared/data): the same fields in the same
 * nesting, with the values a small business would have. Not a copy: the values that
 * matter to a recovery (ids, amounts, customers, emails, times, statuses) are
 * arguments; the rest are the common defaults.
 */

export type StripeJson = { id: string; object: string; [field: string]: unknown };

const NULL_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

interface Common {
  id: string;
  created: number;
  livemode?: boolean;
  metadata?: Record<string, string>;
}

export function customer(init: Common & { email: string | null; name: string | null; phone?: string | null }): StripeJson {
  return {
    id: init.id,
    object: 'customer',
    address: { ...NULL_ADDRESS },
    balance: 0,
    created: init.created,
    currency: 'eur',
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: init.email,
    invoice_prefix: init.id.slice(4, 11).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: init.livemode ?? false,
    metadata: init.metadata ?? {},
    name: init.name,
    next_invoice_sequence: 1,
    phone: init.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

/** What retrieving (or expanding) a deleted object returns. */
export function deletedStub(object: string, id: string): StripeJson {
  return { id, object, deleted: true };
}

export function charge(
  init: Common & {
    amount: number;
    currency?: string;
    customer: string | null;
    paymentIntent?: string | null;
    email?: string | null;
    name?: string | null;
    description?: string | null;
    amountRefunded?: number;
    disputed?: boolean;
    status?: 'succeeded' | 'pending' | 'failed';
  },
): StripeJson {
  const refunded = init.amountRefunded ?? 0;
  const status = init.status ?? 'succeeded';
  return {
    id: init.id,
    object: 'charge',
    amount: init.amount,
    amount_captured: status === 'succeeded' ? init.amount : 0,
    amount_refunded: refunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: status === 'succeeded' ? `txn_${init.id.slice(3)}` : null,
    billing_details: { address: { ...NULL_ADDRESS }, email: init.email ?? null, name: init.name ?? null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'FJORD KAYAKS',
    captured: status === 'succeeded',
    created: init.created,
    currency: init.currency ?? 'eur',
    customer: init.customer,
    description: init.description ?? null,
    disputed: init.disputed ?? false,
    failure_balance_transaction: null,
    failure_code: status === 'failed' ? 'card_declined' : null,
    failure_message: status === 'failed' ? 'Your card was declined.' : null,
    fraud_details: {},
    livemode: init.livemode ?? false,
    metadata: init.metadata ?? {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: status === 'failed' ? 'declined_by_network' : 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      seller_message: status === 'failed' ? 'The bank did not return any further details with this decline.' : 'Payment complete.',
      type: status === 'failed' ? 'issuer_declined' : 'authorized',
    },
    paid: status === 'succeeded',
    payment_intent: init.paymentIntent ?? null,
    payment_method: `pm_${init.id.slice(3)}`,
    payment_method_details: {
      card: {
        amount_authorized: init.amount,
        brand: 'visa',
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'NO',
        exp_month: 8,
        exp_year: 2030,
        fingerprint: 'AOB934RVNwzk6xtn',
        funding: 'credit',
        last4: '4242',
        network: 'visa',
        three_d_secure: null,
        wallet: null,
      },
      type: 'card',
    },
    receipt_email: init.email ?? null,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${init.id}`,
    refunded: refunded > 0 && refunded >= init.amount,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${init.id}/refunds` },
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
  };
}

export function paymentIntent(
  init: Common & { amount: number; currency?: string; customer: string | null; latestCharge: string | null; email?: string | null; status?: string },
): StripeJson {
  const status = init.status ?? 'succeeded';
  return {
    id: init.id,
    object: 'payment_intent',
    amount: init.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: status === 'succeeded' ? init.amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${init.id}_secret_${init.id.slice(3, 15)}`,
    confirmation_method: 'automatic',
    created: init.created,
    currency: init.currency ?? 'eur',
    customer: init.customer,
    description: null,
    last_payment_error: null,
    latest_charge: init.latestCharge,
    livemode: init.livemode ?? false,
    metadata: init.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: init.email ?? null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
  };
}

export function refund(
  init: Common & { amount: number; currency?: string; charge: string; paymentIntent: string | null; reason?: string | null },
): StripeJson {
  return {
    id: init.id,
    object: 'refund',
    amount: init.amount,
    balance_transaction: `txn_${init.id.slice(3)}`,
    charge: init.charge,
    created: init.created,
    currency: init.currency ?? 'eur',
    destination_details: { card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
    metadata: init.metadata ?? {},
    payment_intent: init.paymentIntent,
    reason: init.reason ?? 'requested_by_customer',
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

export function dispute(init: Common & { amount: number; currency?: string; charge: string; paymentIntent: string | null; status?: string }): StripeJson {
  return {
    id: init.id,
    object: 'dispute',
    amount: init.amount,
    balance_transactions: [],
    charge: init.charge,
    created: init.created,
    currency: init.currency ?? 'eur',
    enhanced_eligibility_types: [],
    evidence: { customer_email_address: null, customer_name: null, product_description: null, uncategorized_text: null },
    evidence_details: { due_by: init.created + 14 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: init.livemode ?? false,
    metadata: init.metadata ?? {},
    payment_intent: init.paymentIntent,
    payment_method_details: { card: { brand: 'visa', case_type: 'chargeback', network_reason_code: '10.4' }, type: 'card' },
    reason: 'fraudulent',
    status: init.status ?? 'needs_response',
  };
}

export function product(init: Common & { name: string; defaultPrice: string | null; description?: string | null; updated?: number }): StripeJson {
  return {
    id: init.id,
    object: 'product',
    active: true,
    created: init.created,
    default_price: init.defaultPrice,
    description: init.description ?? null,
    images: [],
    livemode: init.livemode ?? false,
    marketing_features: [],
    metadata: init.metadata ?? {},
    name: init.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: null,
    updated: init.updated ?? init.created,
    url: null,
  };
}

export function price(init: Common & { product: string; unitAmount: number; currency?: string; recurring?: 'month' | 'year' | null }): StripeJson {
  return {
    id: init.id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: init.created,
    currency: init.currency ?? 'eur',
    custom_unit_amount: null,
    livemode: init.livemode ?? false,
    lookup_key: null,
    metadata: init.metadata ?? {},
    nickname: null,
    product: init.product,
    recurring: init.recurring
      ? { interval: init.recurring, interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' }
      : null,
    tax_behavior: 'inclusive',
    tiers_mode: null,
    transform_quantity: null,
    type: init.recurring ? 'recurring' : 'one_time',
    unit_amount: init.unitAmount,
    unit_amount_decimal: String(init.unitAmount),
  };
}

export function subscription(
  init: Common & {
    customer: string;
    price: StripeJson;
    status: 'active' | 'canceled' | 'past_due' | 'trialing';
    canceledAt?: number | null;
    latestInvoice?: string | null;
  },
): StripeJson {
  const canceledAt = init.canceledAt ?? null;
  return {
    id: init.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: init.created,
    billing_cycle_anchor_config: null,
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: canceledAt,
    cancellation_details: { comment: null, feedback: null, reason: canceledAt ? 'cancellation_requested' : null },
    collection_method: 'charge_automatically',
    created: init.created,
    currency: (init.price.currency as string | undefined) ?? 'eur',
    customer: init.customer,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: canceledAt,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: [
        {
          id: `si_${init.id.slice(4, 18)}`,
          object: 'subscription_item',
          created: init.created,
          current_period_end: init.created + 30 * 86_400,
          current_period_start: init.created,
          discounts: [],
          metadata: {},
          price: init.price,
          quantity: 1,
          subscription: init.id,
          tax_rates: [],
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${init.id}`,
    },
    latest_invoice: init.latestInvoice ?? null,
    livemode: init.livemode ?? false,
    metadata: init.metadata ?? {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: init.created,
    status: init.status,
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: null,
  };
}

export function invoice(
  init: Common & {
    customer: string;
    email: string | null;
    name: string | null;
    subscription: string | null;
    amount: number;
    currency?: string;
    status?: 'paid' | 'open' | 'void' | 'draft';
  },
): StripeJson {
  const status = init.status ?? 'paid';
  const paid = status === 'paid' ? init.amount : 0;
  return {
    id: init.id,
    object: 'invoice',
    account_country: 'NO',
    account_name: 'Fjord Kayaks AS',
    amount_due: init.amount,
    amount_paid: paid,
    amount_remaining: init.amount - paid,
    amount_shipping: 0,
    attempt_count: status === 'paid' ? 1 : 0,
    attempted: status === 'paid',
    auto_advance: false,
    billing_reason: init.subscription ? 'subscription_cycle' : 'manual',
    collection_method: 'charge_automatically',
    created: init.created,
    currency: init.currency ?? 'eur',
    customer: init.customer,
    customer_address: null,
    customer_email: init.email,
    customer_name: init.name,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: init.created,
    ending_balance: 0,
    footer: null,
    hosted_invoice_url: `https://invoice.stripe.com/i/${init.id}`,
    invoice_pdf: `https://pay.stripe.com/invoice/${init.id}/pdf`,
    issuer: { type: 'self' },
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${init.id}/lines` },
    livemode: init.livemode ?? false,
    metadata: init.metadata ?? {},
    number: `${init.id.slice(3, 11).toUpperCase()}-0001`,
    parent: init.subscription ? { subscription_details: { metadata: {}, subscription: init.subscription }, type: 'subscription_details' } : null,
    period_end: init.created,
    period_start: init.created - 30 * 86_400,
    status,
    status_transitions: { finalized_at: init.created, marked_uncollectible_at: null, paid_at: status === 'paid' ? init.created : null, voided_at: null },
    subtotal: init.amount,
    total: init.amount,
    webhooks_delivered_at: init.created,
  };
}

export function checkoutSession(
  init: Common & { amount: number; currency?: string; customer: string | null; email: string; name: string | null; paymentIntent: string | null; reference?: string },
): StripeJson {
  return {
    id: init.id,
    object: 'checkout.session',
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: init.amount,
    amount_total: init.amount,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_address_collection: null,
    cancel_url: 'https://fjordkayaks.example/book/cancel',
    client_reference_id: init.reference ?? null,
    consent: null,
    consent_collection: null,
    created: init.created,
    currency: init.currency ?? 'eur',
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: init.customer,
    customer_creation: 'if_required',
    customer_details: { address: { ...NULL_ADDRESS }, email: init.email, name: init.name, phone: null, tax_exempt: 'none', tax_ids: [] },
    customer_email: null,
    expires_at: init.created + 86_400,
    invoice: null,
    livemode: init.livemode ?? false,
    locale: null,
    metadata: init.metadata ?? {},
    mode: 'payment',
    payment_intent: init.paymentIntent,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_types: ['card'],
    payment_status: 'paid',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'complete',
    submit_type: 'book',
    subscription: null,
    success_url: 'https://fjordkayaks.example/book/thanks',
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: null,
  };
}

export function event(
  init: Common & { type: string; object: StripeJson; previousAttributes?: Record<string, unknown>; account?: string },
): StripeJson {
  return {
    id: init.id,
    object: 'event',
    ...(init.account ? { account: init.account } : {}),
    api_version: '2026-10-28.endive',
    created: init.created,
    data: { object: init.object, ...(init.previousAttributes ? { previous_attributes: init.previousAttributes } : {}) },
    livemode: init.livemode ?? false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: init.type,
  };
}
