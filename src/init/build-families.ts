import type { SourceRecord } from '../records/envelope.js';
import type { RecordFamily, SourceField } from './families.js';
import { CALENDAR_STATUSES, STRIPE_SHAPES, calendarEventFields, emailMessageFields } from './known-fields.js';
import { csvFields } from './csv-fields.js';
import { echoedFields } from './echoed-fields.js';
import { textLabelFields, uidRowIdFields } from './embedded-fields.js';
import type { SourceSample } from './sample-records.js';
import type { InitRecordFamily } from '../records/source-kind-init.js';
import type { NamedSource } from './source-specs.js';

/** Whether a source's kind says its records belong to one of these families (its init part). */
const gives =
  (...families: InitRecordFamily[]) =>
  (source: NamedSource): boolean =>
    (source.spec.init?.families ?? []).some((f) => families.includes(f));

/** Calendars lead; mail carries invites too, but second. */
const CALENDAR_FIRST = gives('calendar events');
const CALENDAR = gives('calendar events', 'calendar invites');
const EMAIL = gives('email messages');
const STRIPE = gives('stripe objects');
const CSV_ROWS = gives('csv rows');

/**
 * The record families the named sources will produce. Sources of the same shape
 * share one family (an ICS export and Google Calendar both give calendar events),
 * so a table gets one rule per shape listing all of them; each CSV export is its
 * own shape. Sampled records refine the documented shapes.
 */
export function buildFamilies(sources: NamedSource[], samples: Map<string, SourceSample>): RecordFamily[] {
  const families: RecordFamily[] = [];
  const recordsOf = (kinds: (source: NamedSource) => boolean, type: string) =>
    sources.filter(kinds).flatMap((s) => (samples.get(s.name)?.records ?? []).filter((r) => r.type === type));

  // Calendars before mailboxes: the order a rule's sources are listed in is the order `prefer:` gets.
  // A pulled source is known whole: one without records of a shape gives none (no invoices, no invites).
  const giving = (type: string) => (s: NamedSource) => !samples.get(s.name)?.pulled || (samples.get(s.name)?.records ?? []).some((r) => r.type === type);
  const calendarSources = [...sources.filter(CALENDAR_FIRST), ...sources.filter((s) => CALENDAR(s) && !CALENDAR_FIRST(s))].filter(
    giving('calendar.event'),
  );
  if (calendarSources.length) {
    const sampled = recordsOf(CALENDAR, 'calendar.event');
    families.push({
      name: 'calendar-event',
      type: 'calendar.event',
      sources: calendarSources.map((s) => s.name),
      describe: 'calendar events',
      thing: 'event',
      fields: refineCalendarFields(calendarEventFields(), sampled),
      evidence: withSample('the documented shape of calendar events', sampled.length, 'events'),
      sample: sampled,
    });
  }

  const emailSources = sources.filter(EMAIL).filter(giving('email.message'));
  if (emailSources.length) {
    const sampled = recordsOf(EMAIL, 'email.message');
    families.push({
      name: 'email-message',
      type: 'email.message',
      sources: emailSources.map((s) => s.name),
      describe: 'email messages',
      thing: 'message',
      fields: [...emailMessageFields(), ...textLabelFields(sampled, 'data.text', (r) => r.data['text'])],
      evidence: withSample('the documented shape of email messages', sampled.length, 'messages'),
      sample: sampled,
      needsSelection: 'which messages are about these rows? e.g. data.subject: { matches: Booking }',
    });
  }

  const stripeSources = sources.filter(STRIPE);
  if (stripeSources.length) {
    for (const shape of STRIPE_SHAPES) {
      const shapeSources = stripeSources.filter(giving(shape.type));
      if (shapeSources.length === 0) continue;
      const sampled = recordsOf(STRIPE, shape.type);
      const fields = shape.fields.map((f) => ({ ...f }));
      families.push({
        name: shape.type.replace(/^stripe\./, 'stripe-').replaceAll('.', '-').replaceAll('_', '-'),
        type: shape.type,
        sources: shapeSources.map((s) => s.name),
        describe: shape.describe,
        thing: shape.thing,
        ownObject: shape.object,
        fields,
        ...stripeFallbacks(fields, sampled),
        evidence: withSample("Stripe's documented object shape", sampled.length, 'objects'),
        sample: sampled,
      });
    }
  }

  for (const source of sources.filter(CSV_ROWS)) {
    const records = samples.get(source.name)?.records ?? [];
    if (records.length === 0) continue;
    const fields = csvFields(records);
    const fallbacks = echoedFields(records, fields);
    const own = fields.find((f) => f.ownId);
    families.push({
      name: `${source.name}-row`,
      type: 'csv.row',
      sources: [source.name],
      describe: `rows of ${(source.files ?? []).join(', ')}`,
      thing: 'row',
      ...(own?.stripeObject ? { ownObject: own.stripeObject } : {}),
      fields,
      ...(fallbacks.size ? { fallbacks } : {}),
      evidence: `the header and ${records.length} sampled rows of ${(source.files ?? []).join(', ')}`,
      sample: records,
    });
  }
  return families;
}

function refineCalendarFields(fields: SourceField[], sampled: SourceRecord[]): SourceField[] {
  if (sampled.length === 0) return fields;
  const zone = commonTimeZone(sampled);
  const statuses = sampledValues(sampled, (r) => r.data['status']);
  const refined = fields.map((f) => {
    if (f.kind === 'eventTime' && zone) return { ...f, zone, why: `${f.why}; all-day and floating times read in ${zone}, the zone most sampled events are in` };
    if (f.concept === 'status') return { ...f, values: [...new Set([...CALENDAR_STATUSES, ...statuses])] };
    return f;
  });
  return [...refined, ...uidRowIdFields(sampled), ...textLabelFields(sampled, 'data.description', (r) => r.data['description'])];
}

/**
 * A Stripe reference is an object when the connector expanded it (`data.customer.id`)
 * and an id string when it did not (a deleted customer, an object listed unexpanded).
 * With a sample, the shape it shows is read; without one, the other shape is the
 * second `from`, so either reads.
 */
function stripeFallbacks(fields: SourceField[], sampled: SourceRecord[]): Pick<RecordFamily, 'fallbacks'> {
  const fallbacks = new Map<string, SourceField>();
  for (const field of fields) {
    if (!field.path.endsWith('.id') || field.path === 'data.id') continue;
    const parent = field.path.slice(0, -'.id'.length);
    const shapes = sampled.map((r) => readDotted(r, parent));
    if (sampled.length && !shapes.some((v) => typeof v === 'object' && v !== null)) {
      // Never expanded in the sample: the id string itself is the field.
      field.path = parent;
      field.why = `${field.why}; a plain id string in the sampled records`;
      continue;
    }
    fallbacks.set(field.path, { ...field, path: parent, why: 'the id itself when it is not expanded' });
  }
  return fallbacks.size ? { fallbacks } : {};
}

function readDotted(record: SourceRecord, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function withSample(documented: string, count: number, what: string): string {
  return count ? `${documented}, and ${count} sampled ${what}` : documented;
}

/** The values a field takes in the sample (status fields), sorted. */
function sampledValues(records: SourceRecord[], read: (record: SourceRecord) => unknown): string[] {
  const values = new Set<string>();
  for (const record of records) {
    const value = read(record);
    if (typeof value === 'string' && value !== '') values.add(value);
  }
  return [...values].sort();
}

/** The zone most sampled calendar events are in, for all-day and floating times. */
function commonTimeZone(records: SourceRecord[]): string | undefined {
  const counts = new Map<string, number>();
  for (const record of records) {
    const zone = record.data['timeZone'];
    if (typeof zone === 'string' && zone !== '') counts.set(zone, (counts.get(zone) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
