/**
 * Pass 2 of a streamed .ics file: each root is parsed without its events (its lines and
 * VTIMEZONEs), then each UID group, in order of first appearance, is read back by offset
 * and parsed as a small calendar of its own VEVENTs, and goes through the same steps as
 * in a whole-file parse. Memory holds the index and one group, never the file.
 */
import type { PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import type { MatchedFile } from '../shared/files.js';
import { type SkipCounts, type FileContext, EventWarnings } from './file-context.js';
import { type FileIndex, type RootIndex, indexCalendarFile } from './file-index.js';
import { calendarContextOf, eventGroupOf, recordsOfGroup, reportIgnoredComponents } from './file-records.js';
import type { IcalComponent } from './ical-types.js';
import { parseCalendarText } from './parse.js';
import { describeParseFailureInFile } from './parse-failure.js';
import { parseEvent } from './parsed-event.js';
import { PositionedReader } from './positioned-reader.js';
import { wholeFileRecords } from './whole-file.js';

export async function* streamedFileRecords(file: MatchedFile, context: PullContext, skipped: SkipCounts): AsyncGenerator<SourceRecord> {
  const index = await indexCalendarFile(file);
  if (index === undefined) {
    // Not a plain VCALENDAR layout (a bare VEVENT root, lone CR line ends, ...): read whole.
    yield* wholeFileRecords(file, context, skipped);
    return;
  }
  const warnings = new EventWarnings(file.displayPath, context.log);
  const reader = await PositionedReader.open(file.absolutePath);
  try {
    for (const root of index.roots) {
      // The root alone (its lines and VTIMEZONEs, no events) gives the calendar context, once per root.
      const [calendarRoot] = await parse(rootText(root), file);
      const calendar = calendarContextOf(calendarRoot as IcalComponent);
      const scope: FileContext = { file, context, calendar, warnings, skipped };
      reportIgnoredComponents(root.ignoredCount, root.ignoredNames, scope);
      // A warning from reading an event (an unknown zone, an unreadable time) comes when its
      // group is read; a whole-file parse said them all before the first record. Same lines,
      // another order: keeping the old order cost a second parse of every zoned event.
      for (let group = root.firstGroup; group < root.groupEnd; group++) {
        const members = index.members.subarray(index.groupStart[group], index.groupStart[group + 1]);
        const [groupRoot] = await parse(`BEGIN:VCALENDAR\r\n${await eventTexts(index, members, reader)}END:VCALENDAR\r\n`, file);
        borrowTimeZones(groupRoot as IcalComponent, calendarRoot as IcalComponent);
        const components = (groupRoot as IcalComponent).getAllSubcomponents('vevent');
        // Positions below pair components with index entries; a miscount would mislabel events silently.
        if (components.length !== members.length) throw new Error(`ics: ${file.displayPath}: read ${components.length} VEVENTs back where the index has ${members.length}`);
        // Each event keeps its place among all of the file's VEVENTs: it names events without UID.
        const events = components.map((component, k) => parseEvent(component, (members[k] as number) + 1, calendar, warnings));
        yield* recordsOfGroup(eventGroupOf(events), scope);
      }
    }
  } finally {
    await reader.close();
  }
}

function rootText(root: RootIndex): string {
  return ['BEGIN:VCALENDAR', ...root.propertyLines, ...root.timeZoneLines, 'END:VCALENDAR', ''].join('\r\n');
}

/**
 * ical.js gives a TZID'd time the zone it finds among the calendar's VTIMEZONEs (which
 * decides, e.g., whether TZID=UTC reads as UTC). A group's calendar holds no VTIMEZONE
 * of its own: it looks them up in its root, as every event of a whole-file parse does,
 * instead of parsing the root's VTIMEZONEs again for every group.
 */
function borrowTimeZones(groupRoot: IcalComponent, calendarRoot: IcalComponent): void {
  groupRoot.getTimeZoneByID = (tzid) => calendarRoot.getTimeZoneByID(tzid);
}

/** The group's VEVENTs as they are written in the file (each ends with its line end). */
async function eventTexts(index: FileIndex, members: Int32Array, reader: PositionedReader): Promise<string> {
  let text = '';
  for (const event of members) text += await reader.text(index.eventStart.at(event), index.eventEnd.at(event));
  return text;
}

/** A piece of the file that ical.js rejects is reported at its line in the file. */
async function parse(text: string, file: MatchedFile): Promise<IcalComponent[]> {
  try {
    return parseCalendarText(text);
  } catch (error) {
    throw await describeParseFailureInFile(error, file);
  }
}
