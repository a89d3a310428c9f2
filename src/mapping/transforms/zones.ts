import { IANAZone } from 'luxon';
import { z } from 'zod';
import { suggest } from './suggest.js';
import { TransformError } from './core.js';
import { type LocalDateTime, wallClockMs, wallClockOf } from '../../time/wall-clock.js';

/**
 * Wall-clock times and IANA zones. Conversions are done here rather than by luxon's
 * `DateTime.fromObject`, which silently moves a time in a DST gap forward: salvage must
 * refuse a time that never existed and choose deliberately between the two readings of
 * an autumn-overlap time.
 */

export type Ambiguity = 'earlier' | 'later';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

let zoneNames: string[] | undefined;
function knownZoneNames(): string[] {
  // `UTC` is valid but not in the canonical list.
  zoneNames ??= ['UTC', ...Intl.supportedValuesOf('timeZone')];
  return zoneNames;
}

/** Suggests `Europe/Oslo` for `Europe/Olso`, and also for a bare city such as `Oslo` or `New York`. */
function suggestZone(input: string): string | undefined {
  const names = knownZoneNames();
  const direct = suggest(input, names);
  if (direct) return direct;
  const city = (input.split('/').pop() ?? input).replace(/ /g, '_');
  const byCity = new Map(names.map((name) => [name.split('/').pop() ?? name, name]));
  const guess = suggest(city, byCity.keys());
  return guess === undefined ? undefined : byCity.get(guess);
}

/** An IANA zone name, checked when the mapping is loaded so a typo fails before any record is read. */
export const timeZone = z.string({ error: 'expected an IANA time zone name like Europe/Oslo or UTC' }).superRefine((name, ctx) => {
  if (IANAZone.isValidZone(name)) return;
  const guess = suggestZone(name);
  ctx.addIssue({
    code: 'custom',
    message: `unknown time zone "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; use an IANA name like Europe/Oslo or UTC`,
  });
});

/** The wall clock in `zone` at an instant. */
export function wallClockIn(zone: string, epochMs: number): LocalDateTime {
  return wallClockOf(epochMs + IANAZone.create(zone).offset(epochMs) * MS_PER_MINUTE);
}

export function formatDate(t: LocalDateTime): string {
  return `${String(t.year).padStart(4, '0')}-${pad2(t.month)}-${pad2(t.day)}`;
}

export function formatClock(t: Pick<LocalDateTime, 'hour' | 'minute' | 'second'>): string {
  return `${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * The instant (epoch ms) a wall-clock time denotes in `zone`. Tries the offsets in force
 * a day before and after (DST changes are never closer together than that) and keeps
 * those that reproduce the wall clock: none means a spring-forward gap, two an overlap.
 */
export function resolveWallClock(t: LocalDateTime, zone: string, ambiguity: Ambiguity, label: string): number {
  const wall = wallClockMs(t);
  const tz = IANAZone.create(zone);
  const candidateOffsets = new Set([tz.offset(wall - MS_PER_DAY), tz.offset(wall), tz.offset(wall + MS_PER_DAY)]);
  const instants = [...candidateOffsets]
    .map((offset) => wall - offset * MS_PER_MINUTE)
    .filter((instant) => tz.offset(instant) * MS_PER_MINUTE === wall - instant)
    .sort((a, b) => a - b);
  const chosen = ambiguity === 'later' ? instants[instants.length - 1] : instants[0];
  if (chosen === undefined) {
    const before = formatOffset(tz.offset(wall - MS_PER_DAY));
    const after = formatOffset(tz.offset(wall + MS_PER_DAY));
    throw new TransformError(
      `${label} does not exist in ${zone}: the clocks skipped ${formatDate(t)} ${formatClock(t)} when the offset changed from ${before} to ${after}`,
    );
  }
  return chosen;
}
