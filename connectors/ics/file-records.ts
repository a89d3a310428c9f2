/**
 * From a file's parsed roots to its records: events grouped by UID, then single events,
 * series and lone overrides. The per-root and per-group steps are shared with the
 * streamed path (stream-records.ts), which parses one group at a time.
 */
import type { PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import type { MatchedFile } from '../shared/files.js';
import type { IcalComponent } from './ical-types.js';
import { ZoneDirectory } from './zones.js';
import { defaultEnd } from './event-time.js';
import { type SkipCounts, type CalendarContext, type FileContext, EventWarnings } from './file-context.js';
import { type ParsedEvent, parseEvent, isRecurring } from './parsed-event.js';
import { textOf } from './properties.js';
import { writtenInWindow } from './window.js';
import { seriesRecords, standaloneOverride } from './series.js';
import { buildRecord } from './event-record.js';

/** The master VEVENT of a UID (normally one) and its overrides (VEVENTs with RECURRENCE-ID). */
export interface EventGroup {
  masters: ParsedEvent[];
  overrides: ParsedEvent[];
}

/** The whole-file path: every root parsed, then each root's events grouped by UID. */
export function* recordsOfFile(roots: IcalComponent[], file: MatchedFile, context: PullContext, skipped: SkipCounts): Generator<SourceRecord> {
  const warnings = new EventWarnings(file.displayPath, context.log);
  let position = 0;
  for (const root of roots) {
    const calendar = calendarContextOf(root);
    const scope: FileContext = { file, context, calendar, warnings, skipped };
    const vevents = root.name === 'vevent' ? [root] : root.getAllSubcomponents('vevent');
    const ignored = root.getAllSubcomponents().filter((component) => component.name !== 'vevent' && component.name !== 'vtimezone');
    reportIgnoredComponents(ignored.length, new Set(ignored.map((component) => component.name.toUpperCase())), scope);
    const events = vevents.map((component) => parseEvent(component, ++position, calendar, warnings));
    for (const group of groupByUid(events)) yield* recordsOfGroup(group, scope);
  }
}

/** What every event of a root shares: its zones and its calendar-wide properties. */
export function calendarContextOf(root: IcalComponent): CalendarContext {
  return {
    zones: new ZoneDirectory(root),
    name: textOf(root, 'x-wr-calname'),
    defaultTimeZone: textOf(root, 'x-wr-timezone'),
  };
}

/** Tasks, journal entries and free/busy blocks are not events; say so rather than drop them quietly. */
export function reportIgnoredComponents(count: number, upperCaseNames: Set<string>, scope: FileContext): void {
  if (count === 0) return;
  scope.context.log(`ics: ${scope.file.displayPath}: ${count} ${[...upperCaseNames].join(', ')} component(s) ignored; only VEVENTs become records`);
}

/** Groups events by UID in order of first appearance; an event without UID is its own group. */
function groupByUid(events: ParsedEvent[]): EventGroup[] {
  const groups: ParsedEvent[][] = [];
  const byUid = new Map<string, ParsedEvent[]>();
  for (const event of events) {
    let group = event.uid === null ? undefined : byUid.get(event.uid);
    if (group === undefined) {
      group = [];
      groups.push(group);
      if (event.uid !== null) byUid.set(event.uid, group);
    }
    group.push(event);
  }
  return groups.map(eventGroupOf);
}

/** One UID's events (file order) as masters and overrides (the ones with RECURRENCE-ID). */
export function eventGroupOf(events: ParsedEvent[]): EventGroup {
  const group: EventGroup = { masters: [], overrides: [] };
  for (const event of events) {
    if (event.component.hasProperty('recurrence-id')) group.overrides.push(event);
    else group.masters.push(event);
  }
  return group;
}

export function* recordsOfGroup(group: EventGroup, scope: FileContext): Generator<SourceRecord> {
  const [master, ...duplicates] = group.masters;
  for (const duplicate of duplicates) {
    scope.warnings.warn(duplicate.label, 'appears more than once in this file; each copy becomes its own record with the same id');
  }
  if (master === undefined) {
    // Invitations for one instance arrive without their series: each is evidence on its own.
    for (const override of group.overrides) yield* standaloneOverride(override, undefined, scope, true);
    return;
  }
  for (const event of group.masters) {
    if (isRecurring(event)) yield* seriesRecords(event, event === master ? group.overrides : [], scope);
    else yield* singleEvent(event, scope);
  }
  if (!isRecurring(master)) {
    for (const override of group.overrides) yield* standaloneOverride(override, master, scope, true);
  }
}

function* singleEvent(event: ParsedEvent, scope: FileContext): Generator<SourceRecord> {
  if (!writtenInWindow(event, scope.context.window.since)) {
    scope.skipped.events++;
    return;
  }
  yield buildRecord(scope, {
    event,
    fallback: undefined,
    start: event.start,
    end: event.start === null ? event.end : (event.end ?? defaultEnd(event.start)),
    recurrenceId: undefined,
    recurring: isRecurring(event),
  });
}
