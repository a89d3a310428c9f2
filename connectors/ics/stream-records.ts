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
import { QuirkWarnings } from './quirk-warnings.js';
import { repairCalendarText } from './quirks.js';
import type { SourceProgress } from '../../src/runtime/source-progress.js';

export async function* streamedFileRecords(file: MatchedFile, context: PullContext, skipped: SkipCounts, progress?: SourceProgress): AsyncGenerator<SourceRecord> {
  // The index pass reads the whole file before its first event: counted on the live line, not logged.
  const index = await indexCalendarFile(file, progress ? () => progress.add('events indexed') : undefined);
  if (index === undefined) {
    // Not a plain VCALENDAR layout (a bare VEVENT root, lone CR line ends, ...): read whole.
    yield* wholeFileRecords(file, context, skipped);
    return;
  }
  const warnings = new EventWarnings(file.displayPath, context.log);
  const quirks = new QuirkWarnings(file.displayPath, context.log);
  for (const dropped of index.dropped) context.log(`warning: ${file.displayPath}:${dropped.line}: ${dropped.reason}; the line is left out`);
  if (index.unclosedRoot) context.log(`warning: ${file.displayPath}: the file ends without END:VCALENDAR (cut off?); the complete events in it are read`);
  const reader = await PositionedReader.open(file.absolutePath);
  try {
    for (const root of index.roots) {
      // The root alone (its lines and VTIMEZONEs, no events) gives the calendar context, once per root.
      const [calendarRoot] = await parse(repairCalendarText(rootText(root), quirks.repaired), file);
      const calendar = calendarContextOf(calendarRoot as IcalComponent);
      const scope: FileContext = { file, context, calendar, warnings, skipped };
      reportIgnoredComponents(root.ignoredCount, root.ignoredNames, scope);
      // A warning from reading an event (an unknown zone, an unreadable time) comes when its
      // group is read; a whole-file parse said them all before the first record. Same lines,
      // another order: keeping the old order cost a second parse of every zoned event.
      for (let group = root.firstGroup; group < root.groupEnd; group++) {
        const members = [...index.members.subarray(index.groupStart[group], index.groupStart[group + 1])];
        const readable = members.filter((event) => {
          const broken = index.broken.get(event);
          if (broken) context.reject({ what: 'calendar event', location: `${file.displayPath}:${broken.line}`, reason: `${broken.reason}; the other events are read` });
          return broken === undefined;
        });
        const texts: string[] = [];
        for (const event of readable) texts.push(repairCalendarText(await reader.text(index.eventStart.at(event), index.eventEnd.at(event)), quirks.repaired));
        const parsed = parseGroup(readable, texts, index, file, context);
        borrowTimeZones(parsed.root, calendarRoot as IcalComponent);
        const components = parsed.root.getAllSubcomponents('vevent');
        // Positions below pair components with index entries; a miscount would mislabel events silently.
        if (components.length !== parsed.events.length) throw new Error(`ics: ${file.displayPath}: read ${components.length} VEVENTs back where the index has ${parsed.events.length}`);
        // Each event keeps its place among all of the file's VEVENTs: it names events without UID.
        const events = components.map((component, k) => parseEvent(component, (parsed.events[k] as number) + 1, calendar, warnings));
        if (events.length > 0) yield* recordsOfGroup(eventGroupOf(events), scope);
      }
    }
  } finally {
    quirks.finish();
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

/**
 * A UID group's VEVENTs parsed as one small calendar. When ical.js refuses it, each event
 * is parsed alone: the ones it refuses are rejected at their BEGIN:VEVENT line with its
 * reason, and the rest of the group is read as usual.
 */
function parseGroup(events: number[], texts: string[], index: FileIndex, file: MatchedFile, context: PullContext): { root: IcalComponent; events: number[] } {
  const calendar = (body: string) => `BEGIN:VCALENDAR\r\n${body}END:VCALENDAR\r\n`;
  const ending = (text: string) => (text.endsWith('\n') ? text : `${text}\r\n`);
  try {
    return { root: parseCalendarText(calendar(texts.map(ending).join('')))[0] as IcalComponent, events };
  } catch {
    const kept: number[] = [];
    const keptTexts: string[] = [];
    events.forEach((event, k) => {
      const text = ending(texts[k] as string);
      try {
        parseCalendarText(calendar(text));
        kept.push(event);
        keptTexts.push(text);
      } catch (error) {
        const reason = `cannot parse this VEVENT (${error instanceof Error ? error.message : String(error)}); the other events are read`;
        context.reject({ what: 'calendar event', location: `${file.displayPath}:${index.eventLine.at(event)}`, reason });
      }
    });
    return { root: parseCalendarText(calendar(keptTexts.join('')))[0] as IcalComponent, events: kept };
  }
}

/** A piece of the file that ical.js rejects is reported at its line in the file. */
async function parse(text: string, file: MatchedFile): Promise<IcalComponent[]> {
  try {
    return parseCalendarText(text);
  } catch (error) {
    throw await describeParseFailureInFile(error, file);
  }
}
