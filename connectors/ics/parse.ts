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
  let components: IcalComponent[];
  try {
    components = parseCalendarText(text);
  } catch (error) {
    throw describeParseFailure(error, text, file);
  }
  if (components.length === 0) {
    throw new SourceInputError(NO_CALENDAR, file.displayPath);
  }
  return components;
}

export const NO_CALENDAR = 'no BEGIN:VCALENDAR found; is this an iCalendar (.ics) file?';

/**
 * The parse itself, for text that is not the whole file (streamed pieces): a failure is
 * thrown as ical.js reports it, for the caller to place in the original file.
 */
export function parseCalendarText(text: string): IcalComponent[] {
  const jcal = withRecurrenceRulesAsText(() => ICAL.parse(text)) as unknown[];
  const roots = jcal.length > 0 && typeof jcal[0] === 'string' ? [jcal] : jcal;
  const components = roots.map((root) => new ICAL.Component(root as unknown[]));
  for (const component of components) restoreTimeZoneRules(component);
  return components;
}

/**
 * One content line as ical.js's jCal property, parsed as a whole-file parse would parse
 * it (same rules, same errors): for the streamed index, which reads lines, not calendars.
 */
export function parseContentLine(line: string): unknown {
  return withRecurrenceRulesAsText(() => ICAL.parse.property(line, ICAL.design.icalendar));
}

/**
 * ical.js decodes RRULE values while parsing, so one malformed rule would make the whole
 * file unreadable. Parsing them as opaque text lets a bad rule cost only its own event.
 * The swap is synchronous and undone before anything else can run.
 */
function withRecurrenceRulesAsText<T>(parse: () => T): T {
  const properties = ICAL.design.icalendar.property as Record<string, unknown>;
  const saved = { rrule: properties.rrule, exrule: properties.exrule };
  properties.rrule = { defaultType: 'unknown' };
  properties.exrule = { defaultType: 'unknown' };
  try {
    return parse();
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
