import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { ianaNameFor } from '../shared/time-zones.js';
import type { IcalComponent } from './ical-types.js';
import { MINUTE_MS, floatingIcalTime } from './local-time.js';
import { type LocalDateTime, wallClockOf } from '../../src/time/wall-clock.js';

/** A time zone's rules, from a VTIMEZONE in the file or from the IANA database. */
export interface ZoneRules {
  /** Minutes east of UTC for a wall-clock time in this zone. */
  offsetAtLocal(local: LocalDateTime): number;
  /** The wall-clock time in this zone at an instant. */
  localAt(epochMs: number): LocalDateTime;
}

/** Resolves the TZIDs of one VCALENDAR: its own VTIMEZONEs first, then IANA names. */
export class ZoneDirectory {
  private readonly definitions = new Map<string, InstanceType<typeof ICAL.Timezone>>();
  private readonly resolved = new Map<string, ZoneRules | null>();

  constructor(calendar: IcalComponent) {
    for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
      const tzid = vtimezone.getFirstPropertyValue('tzid');
      const hasObservances = vtimezone.getAllSubcomponents().length > 0;
      if (typeof tzid === 'string' && hasObservances) this.definitions.set(tzid, new ICAL.Timezone(vtimezone));
    }
  }

  resolve(tzid: string): ZoneRules | null {
    let rules = this.resolved.get(tzid);
    if (rules === undefined) {
      rules = this.lookUp(tzid);
      this.resolved.set(tzid, rules);
    }
    return rules;
  }

  private lookUp(tzid: string): ZoneRules | null {
    const definition = this.definitions.get(tzid);
    if (definition !== undefined && isUsable(definition)) return vtimezoneRules(definition);
    const ianaName = ianaNameFor(tzid);
    return ianaName === undefined ? null : ianaRules(ianaName);
  }
}

/** A definition ical.js cannot evaluate is treated as absent rather than failing the pull. */
function isUsable(definition: InstanceType<typeof ICAL.Timezone>): boolean {
  try {
    return Number.isFinite(definition.utcOffset(floatingIcalTime({ year: 2026, month: 1, day: 1, hour: 12, minute: 0, second: 0 }, false)));
  } catch {
    return false;
  }
}

function ianaRules(name: string): ZoneRules {
  return {
    offsetAtLocal: (local) => DateTime.fromObject(local, { zone: name }).offset,
    localAt: (epochMs) => {
      const time = DateTime.fromMillis(epochMs, { zone: name });
      return { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };
    },
  };
}

/**
 * A VTIMEZONE's rules as UTC transition instants. ical.js expands the observances into
 * `changes` (each the UTC instant of a transition and the offset after it); looking an
 * instant up there is exact, where reading offsets from wall clocks (ical.js's
 * `utcOffset` and `convertToZone`) is ambiguous in a fold and an hour off around a gap.
 * `zonedTime` then applies RFC 5545's gap and fold rules to these instants, as for IANA zones.
 */
function vtimezoneRules(definition: InstanceType<typeof ICAL.Timezone>): ZoneRules {
  let covered = { year: -Infinity, list: [] as Array<{ at: number; offset: number; before: number }> };
  const transitions = (year: number) => {
    if (year <= covered.year) return covered.list;
    // Internal but typed (ical.js pinned): expands the observances through `year` (+ margin).
    definition._ensureCoverage(year);
    const list = (definition.changes as IcalChange[]).map((c) => ({
      at: Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second),
      offset: c.utcOffset / 60,
      before: c.prevUtcOffset / 60,
    }));
    covered = { year, list };
    return list;
  };
  const offsetAtInstant = (epochMs: number): number => {
    const list = transitions(new Date(epochMs).getUTCFullYear() + 1);
    let low = 0;
    let high = list.length; // first transition after epochMs
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((list[mid] as { at: number }).at <= epochMs) low = mid + 1;
      else high = mid;
    }
    const last = list[low - 1];
    return last ? last.offset : (list[0]?.before ?? 0);
  };
  return {
    offsetAtLocal: (local) => definition.utcOffset(floatingIcalTime(local, false)) / 60,
    localAt: (epochMs) => wallClockOf(epochMs + offsetAtInstant(epochMs) * MINUTE_MS),
  };
}

/** One entry of ical.js's expanded transitions: a UTC wall reading and offsets in seconds. */
interface IcalChange extends LocalDateTime {
  utcOffset: number;
  prevUtcOffset: number;
}
