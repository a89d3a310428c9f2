/**
 * Stripe objects as salvage records: `data` is the object exactly as Stripe returned
 * it (with expansions); the envelope adds where it came from.
 */
import type { SourceRecord } from '../../src/records/envelope.js';
import type { StripeObject } from './objects.js';

export interface RecordContext {
  sourceName: string;
  observedAt: string;
  /** The connected account the objects belong to, when pulling on its behalf. */
  account?: string;
}

/** `stripe:ch_1`, or `stripe:acct_1/ch_1` for a connected account's object. */
export function stripeRef(id: string, account: string | undefined): string {
  return account ? `stripe:${account}/${id}` : `stripe:${id}`;
}

export function unixToIso(seconds: unknown): string | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : undefined;
}

export function objectRecord(
  object: StripeObject,
  context: RecordContext,
  extra: { deleted?: boolean; updatedAt?: string } = {},
): SourceRecord {
  const record: SourceRecord = {
    source: context.sourceName,
    type: `stripe.${object.object}`,
    id: object.id,
    ref: stripeRef(object.id, context.account),
    observedAt: context.observedAt,
    data: object,
  };
  const createdAt = unixToIso(object.created);
  if (createdAt) record.createdAt = createdAt;
  // Products (and a few others) say when they last changed; most objects do not.
  const updatedAt = extra.updatedAt ?? unixToIso(object.updated);
  if (updatedAt) record.updatedAt = updatedAt;
  if (extra.deleted || object.deleted === true) record.deleted = true;
  return record;
}
