import type { SourceRecord } from '../../src/records/envelope.js';
import { addRecord, EMPTY_FINGERPRINT, type Fingerprint } from './fingerprint.js';

/** The last complete pull's records, by id, with the fingerprint of the file they were read from. */
export interface PreviousRecords {
  byId: Map<string, SourceRecord>;
  fingerprint: Fingerprint;
}

/** Read once, whole: a calendar's records fit in memory, and both the merge and the tombstones need them by id. */
export async function readPreviousRecords(records: AsyncIterable<SourceRecord>): Promise<PreviousRecords> {
  const byId = new Map<string, SourceRecord>();
  let fingerprint = EMPTY_FINGERPRINT;
  for await (const record of records) {
    fingerprint = addRecord(fingerprint, record);
    byId.set(record.id, record);
  }
  return { byId, fingerprint };
}

/** Records this connector wrote (a source renamed from another kind leaves records that are not ours to carry). */
export function isGoogleCalendarRecord(record: SourceRecord): boolean {
  return record.type === 'calendar.event' && record.ref.startsWith('gcal://');
}

/** The calendar a previous record came from. */
export function calendarOf(record: SourceRecord): string | undefined {
  const id = record.data.calendarId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Google's cancelled events may carry only their id (the API reference: "Deleted events
 * are only guaranteed to have the id field populated"). Such a tombstone names no booking,
 * so a rule could not tell which row was cancelled. When the last pull saw the event
 * whole, its details fill what the tombstone leaves empty; `detailsFromPreviousPull`
 * lists them, so the evidence stays honest about where each value came from.
 */
export function withPreviousDetails(record: SourceRecord, previous: SourceRecord | undefined): SourceRecord {
  if (!record.deleted || previous === undefined) return record;
  const data: Record<string, unknown> = { ...record.data };
  const filled: string[] = [];
  for (const [field, value] of Object.entries(previous.data)) {
    if (isEmpty(data[field]) && !isEmpty(value)) {
      data[field] = value;
      filled.push(field);
    }
  }
  if (filled.length === 0) return record;
  // A start taken from the last pull brings its kind along: a date start is an all-day event.
  if (filled.includes('start') && data.allDay !== previous.data.allDay) {
    data.allDay = previous.data.allDay;
    filled.push('allDay');
  }
  data.detailsFromPreviousPull = { fields: filled, observedAt: previous.observedAt };
  const merged: SourceRecord = { ...record, data };
  if (merged.createdAt === undefined && previous.createdAt !== undefined) merged.createdAt = previous.createdAt;
  return merged;
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}
