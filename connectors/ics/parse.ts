import { readFile } from 'node:fs/promises';
import ICAL from 'ical.js';
import { SourceInputError } from '../../src/records/connector.js';
import type { MatchedFile } from '../shared/files.js';
import { describeParseFailure } from './parse-failure.js';
import type { IcalComponent } from './ical-types.js';

export async function readCalendarFile(file: MatchedFile): Promise<string> {
  try {
    const text = await readFile(file.absolutePath, 'utf8');
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new SourceInputError(`cannot read the file (${String(code)}); check that it exists and is readable`, file.displayPath);
  }
}

/** Parses a file into its top-level components (normally one VCALENDAR). */
export function parseCalendarFile(text: string, file: MatchedFile): IcalComponent[] {
  let jcal: unknown[];
  try {
    jcal = parseKeepingRecurrenceRulesAsText(text) as unknown[];
  } catch (error) {
    throw describeParseFailure(error, text, file);
  }
  const roots = jcal.length > 0 && typeof jcal[0] === 'string' ? [jcal] : jcal;
  const components = roots.map((root) => new ICAL.Component(root as unknown[]));
  if (components.length === 0) {
    throw new SourceInputError('no BEGIN:VCALENDAR found; is this an iCalendar (.ics) file?', file.displayPath);
  }
  for (const component of components) restoreTimeZoneRules(component);
  return components;
}

/**
 * ical.js decodes RRULE values while parsing, so one malformed rule would make the whole
 * file unreadable. Parsing them as opaque text lets a bad rule cost only its own event.
 * The swap is synchronous and undone before anything else can run.
 */
function parseKeepingRecurrenceRulesAsText(text: string): unknown {
  const properties = ICAL.design.icalendar.property as Record<string, unknown>;
  const saved = { rrule: properties.rrule, exrule: properties.exrule };
  properties.rrule = { defaultType: 'unknown' };
  properties.exrule = { defaultType: 'unknown' };
  try {
    return ICAL.parse(text);
  } finally {
    properties.rrule = saved.rrule;
    properties.exrule = saved.exrule;
  }
}

/**
 * VTIMEZONE rules must be real Recur values again for ICAL.Timezone to read them. A zone
 * with an unreadable rule would give wrong offsets, so it is dropped: its TZID is then
 * resolved like one without definition (IANA name, or a warning).
 */
function restoreTimeZoneRules(root: IcalComponent): void {
  for (const vtimezone of root.getAllSubcomponents('vtimezone')) {
    const rules = vtimezone.getAllSubcomponents().flatMap((observance) => observance.getAllProperties('rrule'));
    try {
      for (const rule of rules) {
        const text = rule.getFirstValue();
        if (typeof text === 'string') rule.setValue(ICAL.Recur.fromString(text));
      }
    } catch {
      root.removeSubcomponent(vtimezone);
    }
  }
}
