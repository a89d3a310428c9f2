/**
 * The Events API: what changed after an object was created.
 *
 * A list call shows each object as it is now, and only objects created in the
 * window. Events add two things: changes inside the window to objects created before
 * it (a refund or a dispute on an older charge, a cancelled older subscription),
 * and deletions, because a deleted customer, product or price vanishes from its
 * list and lives on only in its `<object>.deleted` event. Stripe keeps events for
 * 30 days, so older changes are visible only as each object's current state; the
 * pull says so plainly.
 *
 * Every event becomes a `stripe.event` record (`data` is the event: `data.type`,
 * `data.data.object`, `data.data.previous_attributes`). A deletion event also
 * becomes a record of the deleted object itself, `deleted: true`, so that mappings
 * for `stripe.customer` see deleted customers without knowing about events.
 */
import type { SourceRecord } from '../../src/records/envelope.js';
import { isStripeObject, type StripeObject, type StripeObjectKind } from './objects.js';
import { objectRecord, unixToIso, type RecordContext } from './records.js';
import { isoSecond } from './slices.js';

/** How long Stripe keeps events listable. */
export const EVENT_RETENTION_DAYS = 30;

/** The record of a deleted object, from its `<object>.deleted` event, if it is one of the kinds pulled. */
export function deletedObjectRecord(
  event: StripeObject,
  deletableKinds: readonly StripeObjectKind[],
  context: RecordContext,
): SourceRecord | undefined {
  const object = (event.data as { object?: unknown } | undefined)?.object;
  if (!isStripeObject(object)) return undefined;
  if (event.type !== `${object.object}.deleted`) return undefined;
  if (!deletableKinds.some((kind) => kind.deletable && kind.objectName === object.object)) return undefined;
  return objectRecord(object, context, { deleted: true, updatedAt: unixToIso(event.created) });
}

/** The plain statement of what the pull can and cannot see of changes after creation. */
export function changeVisibilityNote(since: Date, now: Date, eventsPulled: boolean): string {
  if (!eventsPulled) {
    return 'events are not pulled (not in objects:): changes after creation (refunds, disputes, cancellations) are ' +
      'visible only as each object\'s current state, and deleted customers/products/prices not at all';
  }
  const oldestEvent = Math.floor(now.getTime() / 1000) - EVENT_RETENTION_DAYS * 86_400;
  if (since.getTime() / 1000 >= oldestEvent) {
    return `events cover the whole window (Stripe keeps ${EVENT_RETENTION_DAYS} days of events)`;
  }
  return (
    `Stripe keeps events for ${EVENT_RETENTION_DAYS} days: changes made before ${isoSecond(oldestEvent)} ` +
    '(refunds, disputes, cancellations, deletions) are visible only as each object\'s current state, ' +
    'and objects created before the window and deleted before that date not at all'
  );
}
