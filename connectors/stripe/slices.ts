/**
 * Time slices: half-open ranges of Stripe `created` seconds, `[gte, lt)`.
 *
 * Half-open ranges are what make slicing exactly-once: adjacent slices share a border
 * second that belongs to exactly one of them (`created[gte]` of the later one), so an
 * object created on a border is listed once. Everything here is integer seconds,
 * because that is Stripe's resolution for `created`.
 */
import type { PullWindow } from '../../src/records/connector.js';

/** `[gte, lt)` in Unix seconds. */
export type SecondRange = readonly [gte: number, lt: number];

export interface TimeSlice {
  /** The object kind's config name (`charges`, `events`...). */
  kind: string;
  gte: number;
  lt: number;
  /** 1 for the first try; a slice that failed half way is pulled again whole with attempt + 1. */
  attempt: number;
}

/** The seconds a pull covers: from `since` (lookback included) up to and including the second of `to`. */
export function windowRange(window: PullWindow): SecondRange {
  return [Math.floor(window.since.getTime() / 1000), Math.floor(window.to.getTime() / 1000) + 1];
}

/** Sorted, non-overlapping, adjacent ranges joined. */
export function mergeRanges(ranges: readonly SecondRange[]): SecondRange[] {
  const sorted = ranges.filter(([gte, lt]) => lt > gte).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [gte, lt] of sorted) {
    const last = merged[merged.length - 1];
    if (last && gte <= last[1]) last[1] = Math.max(last[1], lt);
    else merged.push([gte, lt]);
  }
  return merged;
}

/** The parts of `range` that none of `done` covers. */
export function subtractRanges(range: SecondRange, done: readonly SecondRange[]): SecondRange[] {
  const gaps: SecondRange[] = [];
  let cursor = range[0];
  for (const [gte, lt] of mergeRanges(done)) {
    if (lt <= cursor) continue;
    if (gte >= range[1]) break;
    if (gte > cursor) gaps.push([cursor, gte]);
    cursor = Math.max(cursor, lt);
  }
  if (cursor < range[1]) gaps.push([cursor, range[1]]);
  return gaps;
}

export function totalSeconds(ranges: readonly SecondRange[]): number {
  return ranges.reduce((sum, [gte, lt]) => sum + Math.max(0, lt - gte), 0);
}

export function isoSecond(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** For messages: `charges created 2026-02-01T00:00:00Z..2026-02-03T00:00:00Z`. */
export function describeSlice(slice: Pick<TimeSlice, 'kind' | 'gte' | 'lt'>): string {
  return `${slice.kind} created ${isoSecond(slice.gte)}..${isoSecond(slice.lt)}`;
}
