/** How event times are written in records and in record ids. */
import { type LocalDateTime, wallClockOf } from '../../src/time/wall-clock.js';
import { type EventTime, instantOf } from './event-time.js';

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

export function formatDate(local: LocalDateTime): string {
  return `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}`;
}

export function formatLocal(local: LocalDateTime): string {
  return `${formatDate(local)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}`;
}

function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/** ISO-8601 as the record shows it: date, UTC `Z`, zone offset, or no offset when floating. */
export function formatEventTime(time: EventTime): string {
  switch (time.kind) {
    case 'date':
      return formatDate(time.local);
    case 'utc':
      return `${formatLocal(time.local)}Z`;
    case 'zoned':
      return `${formatLocal(time.local)}${formatOffset(time.offsetMinutes)}`;
    case 'floating':
      return formatLocal(time.local);
  }
}

/** The recurrence id in record ids: a date, an instant in UTC, or the wall-clock time when floating. */
export function formatRecurrenceId(time: EventTime): string {
  switch (time.kind) {
    case 'date':
      return formatDate(time.local);
    case 'utc':
    case 'zoned':
      return `${formatLocal(wallClockOf(time.epochMs))}Z`;
    case 'floating':
      return formatLocal(time.local);
  }
}

export function isoInstant(time: EventTime): string {
  return new Date(instantOf(time)).toISOString();
}
