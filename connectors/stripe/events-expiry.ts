import type { PreservedRecords } from '../../src/records/source-kind-preserve.js';
import { EVENT_RETENTION_DAYS } from './events.js';

const DAY_MS = 86_400_000;

/** When the events `salvage preserve` saved would have aged out of Stripe: they are the only record of what changed on older objects. */
export function stripeEventsExpiry({ count, oldestCreated, now }: PreservedRecords): string {
  const oldestEvent = oldestCreated.get('stripe.event');
  if (oldestEvent === undefined) return `no events in the window within Stripe's ${EVENT_RETENTION_DAYS} days`;
  const firstGone = new Date(Date.parse(oldestEvent) + EVENT_RETENTION_DAYS * DAY_MS);
  const lastGone = new Date(now.getTime() + EVENT_RETENTION_DAYS * DAY_MS);
  return (
    `${count} events; Stripe drops each ${EVENT_RETENTION_DAYS} days after it happened: the oldest on ${day(firstGone)}, ` +
    `the last of these by ${day(lastGone)}. Refunds, disputes, cancellations and deletions of older objects are only in them`
  );
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
