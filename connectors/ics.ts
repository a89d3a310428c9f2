/**
 * The `ics` connector: one `calendar.event` record per event occurrence in local
 * iCalendar files (exports, emailed invitations).
 *
 * ical.js parses the file and iterates recurrence rules. Everything that depends on
 * time zones (offsets, EXDATE and RECURRENCE-ID matching, the window) is done here in
 * plain instants, because ical.js only knows zones registered in a process-wide
 * registry and an export often names IANA zones without defining them.
 */
import { readFile } from 'node:fs/promises';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { Connector, PullContext, PullWindow } from '../src/records/connector.js';
import { SourceInputError } from '../src/records/connector.js';
import type { SourceRecord } from '../src/records/envelope.js';
import { resolveFilePatterns, type MatchedFile } from './shared/files.js';
import { ianaNameFor } from './shared/time-zones.js';

export interface IcsSourceOptions {
  /** Glob patterns, relative to the config's directory. */
  files: string[];
}

export function icsConnector(options: IcsSourceOptions): Connector {
  return {
    kind: 'ics',
    pull: (context) => pullIcsFiles(options, context),
  };
}

/** A series that produces more than this is a mistake (or an attack), not a calendar. */
const MAX_OCCURRENCES_PER_SERIES = 100_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

type IcalComponent = InstanceType<typeof ICAL.Component>;
type IcalProperty = InstanceType<typeof ICAL.Property>;
type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalRecur = InstanceType<typeof ICAL.Recur>;

interface SkipCounts {
  events: number;
  series: number;
}

async function* pullIcsFiles(options: IcsSourceOptions, context: PullContext): AsyncGenerator<SourceRecord> {
  const files = await resolveFilePatterns(options.files, context.baseDir);
  const skipped: SkipCounts = { events: 0, series: 0 };
  for (const file of files) {
    context.signal?.throwIfAborted();
    // ICS files are modest: one is parsed whole, then dropped before the next is read.
    const text = await readCalendarFile(file);
    const calendars = parseCalendarFile(text, file);
    for (const record of recordsOfFile(calendars, file, context, skipped)) {
      context.signal?.throwIfAborted();
      yield record;
    }
  }
  context.log(
    `ics: skipped ${skipped.events} events and ${skipped.series} recurring series last written ` +
      `(CREATED/LAST-MODIFIED) before ${context.window.since.toISOString()}`,
  );
}

async function readCalendarFile(file: MatchedFile): Promise<string> {
  try {
    const text = await readFile(file.absolutePath, 'utf8');
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new SourceInputError(`cannot read the file (${String(code)}); check that it exists and is readable`, file.displayPath);
  }
}

// ---------------------------------------------------------------------------
// Parsing

/** Parses a file into its top-level components (normally one VCALENDAR). */
function parseCalendarFile(text: string, file: MatchedFile): IcalComponent[] {
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

function describeParseFailure(error: unknown, text: string, file: MatchedFile): SourceInputError {
  const message = error instanceof Error ? error.message : String(error);
  const line = locateParseFailure(message, text);
  const location = line === undefined ? file.displayPath : `${file.displayPath}:${line}`;
  return new SourceInputError(`cannot parse the iCalendar file (${message}); fix or remove this file and pull again`, location);
}

/** ical.js ends these messages with the offending (unfolded) content line in quotes. */
const QUOTED_LINE_IN_PARSER_ERROR = /(?:\(no token ";" or ":"\) "|in ')(.+)["']$/s;

/** ical.js quotes the offending content line but not its number; find it in the text. */
function locateParseFailure(message: string, text: string): number | undefined {
  if (message.includes('component began but did not end')) return findUnclosedBegin(text);
  const quoted = QUOTED_LINE_IN_PARSER_ERROR.exec(message)?.[1];
  if (quoted === undefined) return undefined;
  // The quoted line is unfolded; its first physical line starts with the same text.
  const probe = quoted.slice(0, 40);
  const lines = text.split(/\r\n|\n|\r/);
  const index = lines.findIndex((line) => line.startsWith(probe));
  return index === -1 ? undefined : index + 1;
}

function findUnclosedBegin(text: string): number | undefined {
  const open: number[] = [];
  text.split(/\r\n|\n|\r/).forEach((line, index) => {
    const upper = line.toUpperCase();
    if (upper.startsWith('BEGIN:')) open.push(index + 1);
    else if (upper.startsWith('END:')) open.pop();
  });
  return open.at(-1);
}

// ---------------------------------------------------------------------------
// Time

interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A time zone's rules, from a VTIMEZONE in the file or from the IANA database. */
interface ZoneRules {
  /** Minutes east of UTC for a wall-clock time in this zone. */
  offsetAtLocal(local: LocalDateTime): number;
  /** The wall-clock time in this zone at an instant. */
  localAt(epochMs: number): LocalDateTime;
}

/**
 * An event time as the file states it. `zoned` times have a known offset; `floating`
 * ones have none (no TZID, or a TZID nobody can resolve, kept in `tzid` for the record).
 */
type EventTime =
  | { kind: 'date'; local: LocalDateTime }
  | { kind: 'utc'; local: LocalDateTime; epochMs: number }
  | { kind: 'zoned'; local: LocalDateTime; tzid: string; zone: ZoneRules; offsetMinutes: number; epochMs: number }
  | { kind: 'floating'; local: LocalDateTime; tzid: string | null };

function localFromEpoch(epochMs: number): LocalDateTime {
  const date = new Date(epochMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

/** The wall-clock reading as if it were UTC: the arithmetic base for local times. */
function localAsEpoch(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/**
 * The instant of a time. Dates and floating times have none of their own; they are
 * read as UTC, which is right for durations and off by hours at most for the window.
 */
function instantOf(time: EventTime): number {
  return time.kind === 'utc' || time.kind === 'zoned' ? time.epochMs : localAsEpoch(time.local);
}

/** Builds a time in the same frame (kind and zone) as `frame`, at another wall-clock time. */
function atLocalInFrame(frame: EventTime, local: LocalDateTime): EventTime {
  switch (frame.kind) {
    case 'date':
      return { kind: 'date', local: { ...local, hour: 0, minute: 0, second: 0 } };
    case 'utc':
      return { kind: 'utc', local, epochMs: localAsEpoch(local) };
    case 'zoned':
      return zonedTime(local, frame.tzid, frame.zone);
    case 'floating':
      return { kind: 'floating', local, tzid: frame.tzid };
  }
}

/** Builds a time in the same frame as `frame` at an instant (floating frames read it as UTC). */
function atInstantInFrame(frame: EventTime, epochMs: number): EventTime {
  if (frame.kind === 'zoned') {
    // The offset comes from the instant, not the wall clock: right even in a DST fold.
    const local = frame.zone.localAt(epochMs);
    const offsetMinutes = Math.round((localAsEpoch(local) - epochMs) / MINUTE_MS);
    return { kind: 'zoned', local, tzid: frame.tzid, zone: frame.zone, offsetMinutes, epochMs };
  }
  return atLocalInFrame(frame, localFromEpoch(epochMs));
}

/**
 * A wall-clock time in a zone, resolved as RFC 5545 §3.3.5 says: in an autumn fold
 * the first of the two instants; in a spring gap, the offset in force before the gap
 * (so 02:30 on the night the clocks jump from 02:00 to 03:00 becomes 03:30).
 */
function zonedTime(local: LocalDateTime, tzid: string, zone: ZoneRules): Extract<EventTime, { kind: 'zoned' }> & { skipped?: boolean } {
  const wall = localAsEpoch(local);
  const offsetAt = (epochMs: number) => Math.round((localAsEpoch(zone.localAt(epochMs)) - epochMs) / MINUTE_MS);
  const before = offsetAt(wall - DAY_MS);
  const after = offsetAt(wall + DAY_MS);
  const instants = [...new Set([before, after, zone.offsetAtLocal(local)])]
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((instant) => offsetAt(instant) * MINUTE_MS === wall - instant)
    .sort((a, b) => a - b);
  const first = instants[0];
  if (first !== undefined) {
    return { kind: 'zoned', local, tzid, zone, offsetMinutes: Math.round((wall - first) / MINUTE_MS), epochMs: first };
  }
  // A time the clocks skipped: read with the offset before the gap, shown as the wall time it became.
  const epochMs = wall - before * MINUTE_MS;
  return { kind: 'zoned', local: zone.localAt(epochMs), tzid, zone, offsetMinutes: offsetAt(epochMs), epochMs, skipped: true };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function formatDate(local: LocalDateTime): string {
  return `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}`;
}

function formatLocal(local: LocalDateTime): string {
  return `${formatDate(local)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}`;
}

function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/** ISO-8601 as the record shows it: date, UTC `Z`, zone offset, or no offset when floating. */
function formatEventTime(time: EventTime): string {
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
function formatRecurrenceId(time: EventTime): string {
  switch (time.kind) {
    case 'date':
      return formatDate(time.local);
    case 'utc':
    case 'zoned':
      return `${formatLocal(localFromEpoch(time.epochMs))}Z`;
    case 'floating':
      return formatLocal(time.local);
  }
}

function isoInstant(time: EventTime): string {
  return new Date(instantOf(time)).toISOString();
}

/**
 * Keys under which an occurrence can be named by an EXDATE or RECURRENCE-ID. A zoned
 * occurrence also answers to its wall-clock time, so a floating or unresolvable id
 * written by a sloppy producer still finds it.
 */
function occurrenceKeys(time: EventTime): string[] {
  switch (time.kind) {
    case 'date':
      return [`D${formatDate(time.local)}`];
    case 'utc':
      return [`I${time.epochMs}`];
    case 'zoned':
      return [`I${time.epochMs}`, `L${formatLocal(time.local)}`];
    case 'floating':
      return [`L${formatLocal(time.local)}`];
  }
}

/** The single key an EXDATE or RECURRENCE-ID value names. */
function referenceKey(time: EventTime): string {
  return occurrenceKeys(time)[0] as string;
}

// ---------------------------------------------------------------------------
// Zones

/** Resolves the TZIDs of one VCALENDAR: its own VTIMEZONEs first, then IANA names. */
class ZoneDirectory {
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
    localAt: (epochMs) => localFromEpoch(epochMs + offsetAtInstant(epochMs) * MINUTE_MS),
  };
}

/** One entry of ical.js's expanded transitions: a UTC wall reading and offsets in seconds. */
interface IcalChange extends LocalDateTime {
  utcOffset: number;
  prevUtcOffset: number;
}

// ---------------------------------------------------------------------------
// Reading event properties

/** Per file: warnings name the file and the event, each distinct one is said once. */
class EventWarnings {
  private readonly said = new Set<string>();

  constructor(
    private readonly displayPath: string,
    private readonly log: (message: string) => void,
  ) {}

  warn(eventLabel: string, message: string): void {
    const text = `warning: ${this.displayPath}: event ${eventLabel}: ${message}`;
    if (this.said.has(text)) return;
    this.said.add(text);
    this.log(text);
  }
}

interface CalendarContext {
  zones: ZoneDirectory;
  name: string | null;
  /** X-WR-TIMEZONE: the zone all-day events are meant in, when the producer says. */
  defaultTimeZone: string | null;
}

/** One VEVENT, with the values every later step needs read once. */
interface ParsedEvent {
  component: IcalComponent;
  /** 1-based position among the file's VEVENTs: names an event that has no UID. */
  position: number;
  uid: string | null;
  /** How warnings name the event: its UID, or its position when it has none. */
  label: string;
  start: EventTime | null;
  /** DTEND, or DTSTART + DURATION; null when neither is given. */
  end: EventTime | null;
  recurrenceId: EventTime | null;
  created: EventTime | null;
  lastModified: EventTime | null;
}

function parseEvent(component: IcalComponent, position: number, calendar: CalendarContext, warnings: EventWarnings): ParsedEvent {
  const uidValue = component.getFirstPropertyValue('uid');
  const uid = typeof uidValue === 'string' && uidValue.trim() !== '' ? uidValue : null;
  const label = uid === null ? `#${position} (no UID)` : `"${uid}"`;
  const read = (name: string) => readTimeProperty(component.getFirstProperty(name), calendar.zones, label, warnings);
  const start = read('dtstart');
  return {
    component,
    position,
    uid,
    label,
    start,
    end: read('dtend') ?? endFromDuration(component, start, label, warnings),
    recurrenceId: read('recurrence-id'),
    created: read('created'),
    lastModified: read('last-modified'),
  };
}

function readTimeProperty(
  property: IcalProperty | null,
  zones: ZoneDirectory,
  eventLabel: string,
  warnings: EventWarnings,
): EventTime | null {
  if (property === null) return null;
  let value: unknown;
  try {
    value = property.getFirstValue();
  } catch (error) {
    warnings.warn(eventLabel, `cannot read ${property.name.toUpperCase()} (${(error as Error).message}); it is left empty`);
    return null;
  }
  if (!(value instanceof ICAL.Time)) return null;
  return eventTimeOf(value, property, zones, eventLabel, warnings);
}

function eventTimeOf(
  value: IcalTime,
  property: IcalProperty,
  zones: ZoneDirectory,
  eventLabel: string,
  warnings: EventWarnings,
): EventTime | null {
  const local = { year: value.year, month: value.month, day: value.day, hour: value.hour, minute: value.minute, second: value.second };
  if (Object.values(local).some((part) => !Number.isFinite(part))) {
    warnings.warn(eventLabel, `cannot read ${property.name.toUpperCase()} "${String(value)}"; it is left empty`);
    return null;
  }
  if (value.isDate) return { kind: 'date', local: { ...local, hour: 0, minute: 0, second: 0 } };
  if (value.zone === ICAL.Timezone.utcTimezone) return { kind: 'utc', local, epochMs: localAsEpoch(local) };
  const tzid = firstParameter(property, 'tzid');
  if (tzid === null) return { kind: 'floating', local, tzid: null };
  const zone = zones.resolve(tzid);
  if (zone === null) {
    warnings.warn(eventLabel, `unknown time zone "${tzid}" (no VTIMEZONE in the file, not an IANA name); its times are kept without an offset (floating)`);
    return { kind: 'floating', local, tzid };
  }
  const time = zonedTime(local, tzid, zone);
  if (time.skipped) {
    warnings.warn(eventLabel, `${property.name.toUpperCase()} ${String(value)} does not exist in ${tzid} (the clocks skipped it); read with the offset before the change, as RFC 5545 says`);
  }
  return time;
}

function endFromDuration(component: IcalComponent, start: EventTime | null, eventLabel: string, warnings: EventWarnings): EventTime | null {
  const property = component.getFirstProperty('duration');
  if (property === null || start === null) return null;
  let duration: unknown;
  try {
    duration = property.getFirstValue();
  } catch (error) {
    warnings.warn(eventLabel, `cannot read DURATION (${(error as Error).message}); the default end is used`);
    return null;
  }
  if (!(duration instanceof ICAL.Duration)) return null;
  const seconds = duration.toSeconds();
  if (start.kind === 'date') return addDays(start, Math.round(seconds / 86_400));
  return atInstantInFrame(start, instantOf(start) + seconds * 1000);
}

function addDays(time: EventTime, days: number): EventTime {
  return atLocalInFrame(time, localFromEpoch(localAsEpoch(time.local) + days * DAY_MS));
}

/** RFC 5545: no DTEND means one day for a date, and zero length for a date-time. */
function defaultEnd(start: EventTime): EventTime {
  return start.kind === 'date' ? addDays(start, 1) : start;
}

function firstParameter(property: IcalProperty, name: string): string | null {
  const value: unknown = property.getParameter(name);
  if (Array.isArray(value)) return value.length === 0 ? null : value.map(String).join(',');
  return typeof value === 'string' && value !== '' ? value : null;
}

function textOf(component: IcalComponent, name: string): string | null {
  const property = component.getFirstProperty(name);
  return property === null ? null : textOfProperty(property);
}

/**
 * A property's value as text. ical.js leaves X- properties undecoded ("unknown" type);
 * they are nearly always TEXT, so their escapes are decoded the same way.
 */
function textOfProperty(property: IcalProperty): string | null {
  const value = rawValueOf(property);
  return value !== null && property.type === 'unknown' ? unescapeText(value) : value;
}

function rawValueOf(property: IcalProperty): string | null {
  try {
    const value: unknown = property.getFirstValue();
    return value === null || value === undefined ? null : String(value);
  } catch {
    return null;
  }
}

/** RFC 5545 TEXT escapes: \\ \; \, and \n (or \N) for a line break. */
const TEXT_ESCAPE = /\\([\\;,nN])/g;

function unescapeText(value: string): string {
  return value.replace(TEXT_ESCAPE, (_, char: string) => (char === 'n' || char === 'N' ? '\n' : char));
}

function sequenceOf(component: IcalComponent): number | null {
  const value: unknown = component.getFirstPropertyValue('sequence');
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stripMailto(address: string): string {
  return address.replace(/^mailto:/i, '');
}

/** The address as written minus `mailto:`; the EMAIL parameter when the value has none. */
function addressOf(property: IcalProperty): string | null {
  const address = stripMailto((rawValueOf(property) ?? '').trim());
  return address !== '' ? address : firstParameter(property, 'email');
}

function organizerOf(component: IcalComponent): { email: string | null; name: string | null } | null {
  const property = component.getFirstProperty('organizer');
  if (property === null) return null;
  return { email: addressOf(property), name: firstParameter(property, 'cn') };
}

function attendeesOf(component: IcalComponent): Array<{ email: string | null; name: string | null; partstat: string | null; role: string | null }> {
  return component.getAllProperties('attendee').map((property) => ({
    email: addressOf(property),
    name: firstParameter(property, 'cn'),
    partstat: firstParameter(property, 'partstat'),
    role: firstParameter(property, 'role'),
  }));
}

function categoriesOf(component: IcalComponent): string[] {
  return component.getAllProperties('categories').flatMap((property) => property.getValues().map(String));
}

/** Every X- property of the event, value as text; a repeated one becomes a list. */
function extraPropertiesOf(component: IcalComponent): Record<string, string | string[]> {
  const extra: Record<string, string | string[]> = {};
  for (const property of component.getAllProperties()) {
    if (!property.name.startsWith('x-')) continue;
    const name = property.name.toUpperCase();
    const value = textOfProperty(property) ?? '';
    const previous = extra[name];
    if (previous === undefined) extra[name] = value;
    else extra[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return extra;
}

function isCancelled(status: string | null): boolean {
  return status !== null && status.trim().toUpperCase() === 'CANCELLED';
}

// ---------------------------------------------------------------------------
// From events to records

interface FileContext {
  file: MatchedFile;
  context: PullContext;
  calendar: CalendarContext;
  warnings: EventWarnings;
  skipped: SkipCounts;
}

/** The master VEVENT of a UID (normally one) and its overrides (VEVENTs with RECURRENCE-ID). */
interface EventGroup {
  masters: ParsedEvent[];
  overrides: ParsedEvent[];
}

function* recordsOfFile(roots: IcalComponent[], file: MatchedFile, context: PullContext, skipped: SkipCounts): Generator<SourceRecord> {
  const warnings = new EventWarnings(file.displayPath, context.log);
  let position = 0;
  for (const root of roots) {
    const calendar: CalendarContext = {
      zones: new ZoneDirectory(root),
      name: textOf(root, 'x-wr-calname'),
      defaultTimeZone: textOf(root, 'x-wr-timezone'),
    };
    const scope: FileContext = { file, context, calendar, warnings, skipped };
    const vevents = root.name === 'vevent' ? [root] : root.getAllSubcomponents('vevent');
    reportIgnoredComponents(root, file, context);
    const events = vevents.map((component) => parseEvent(component, ++position, calendar, warnings));
    for (const group of groupByUid(events)) yield* recordsOfGroup(group, scope);
  }
}

/** Tasks, journal entries and free/busy blocks are not events; say so rather than drop them quietly. */
function reportIgnoredComponents(root: IcalComponent, file: MatchedFile, context: PullContext): void {
  const ignored = root.getAllSubcomponents().filter((component) => component.name !== 'vevent' && component.name !== 'vtimezone');
  if (ignored.length === 0) return;
  const names = [...new Set(ignored.map((component) => component.name.toUpperCase()))].join(', ');
  context.log(`ics: ${file.displayPath}: ${ignored.length} ${names} component(s) ignored; only VEVENTs become records`);
}

/** Groups events by UID in order of first appearance; an event without UID is its own group. */
function groupByUid(events: ParsedEvent[]): EventGroup[] {
  const groups: EventGroup[] = [];
  const byUid = new Map<string, EventGroup>();
  events.forEach((event) => {
    let group = event.uid === null ? undefined : byUid.get(event.uid);
    if (group === undefined) {
      group = { masters: [], overrides: [] };
      groups.push(group);
      if (event.uid !== null) byUid.set(event.uid, group);
    }
    if (event.component.hasProperty('recurrence-id')) group.overrides.push(event);
    else group.masters.push(event);
  });
  return groups;
}

function* recordsOfGroup(group: EventGroup, scope: FileContext): Generator<SourceRecord> {
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

function isRecurring(event: ParsedEvent): boolean {
  return event.component.hasProperty('rrule') || event.component.hasProperty('rdate');
}

/** The window test: DESIGN.md filters by when data was written, never by what it describes. */
function writtenInWindow(event: ParsedEvent, since: Date): boolean {
  const times = [event.created, event.lastModified].filter((time): time is EventTime => time !== null);
  if (times.length === 0) return true;
  return Math.max(...times.map(instantOf)) >= since.getTime();
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

/** An override whose occurrence the series does not produce (or whose series is absent). */
function* standaloneOverride(
  override: ParsedEvent,
  master: ParsedEvent | undefined,
  scope: FileContext,
  ignoreRange: boolean,
): Generator<SourceRecord> {
  const since = scope.context.window.since;
  const written = writtenInWindow(override, since) || (master !== undefined && writtenInWindow(master, since));
  if (!written) {
    scope.skipped.events++;
    return;
  }
  const inRange = [override.recurrenceId, override.start].some((time) => time !== null && isInExpansionRange(time, scope.context.window));
  if (!ignoreRange && !inRange) return;
  const start = override.start ?? override.recurrenceId;
  yield buildRecord(scope, {
    event: override,
    fallback: master,
    start,
    end: override.end ?? (start === null ? null : defaultEnd(start)),
    recurrenceId: override.recurrenceId ?? undefined,
    recurring: true,
  });
}

function isInExpansionRange(time: EventTime, window: PullWindow): boolean {
  const instant = instantOf(time);
  return instant >= window.since.getTime() && instant <= window.horizon.getTime();
}

// ---------------------------------------------------------------------------
// Recurring series

function* seriesRecords(master: ParsedEvent, overrides: ParsedEvent[], scope: FileContext): Generator<SourceRecord> {
  const { window } = scope.context;
  const masterWritten = writtenInWindow(master, window.since);
  if (!masterWritten && !overrides.some((override) => writtenInWindow(override, window.since))) {
    scope.skipped.series++;
    return;
  }
  if (master.start === null) {
    scope.warnings.warn(master.label, 'is recurring but has no DTSTART; kept as one record, not expanded');
    yield* masterOnly(master, overrides, scope);
    return;
  }
  const exdateKeys = exceptionDateKeys(master, scope);
  const overridesByKey = new Map<string, ParsedEvent>();
  for (const override of overrides) {
    if (override.recurrenceId !== null) overridesByKey.set(referenceKey(override.recurrenceId), override);
  }
  // Occurrences named by an override or EXDATE are needed even outside the range.
  const namedKeys = new Set([...exdateKeys, ...overridesByKey.keys()]);
  const expansion = expandSeries(master, master.start, namedKeys, scope);
  if (expansion === undefined) {
    yield* masterOnly(master, overrides, scope);
    return;
  }

  const series: SeriesScope = { master, masterWritten, durationEnd: occurrenceEnd(master, master.start), scope };
  const usedOverrides = new Set<ParsedEvent>();
  for (const occurrence of expansion) {
    const keys = occurrenceKeys(occurrence.start);
    const override = keys.map((key) => overridesByKey.get(key)).find((found) => found !== undefined);
    if (override !== undefined) usedOverrides.add(override);
    // RFC 5545: EXDATE removes the occurrence even when an override also names it.
    if (keys.some((key) => exdateKeys.has(key))) continue;
    const record = override === undefined ? generatedInstance(series, occurrence) : overriddenInstance(series, occurrence, override);
    if (record !== undefined) yield record;
  }
  for (const override of overrides) {
    if (usedOverrides.has(override)) continue;
    // Unreadable RECURRENCE-ID (already warned about): keep the override as it is.
    if (override.recurrenceId === null) yield* standaloneOverride(override, master, scope, true);
    else if (!exdateKeys.has(referenceKey(override.recurrenceId))) yield* standaloneOverride(override, master, scope, false);
  }
}

interface SeriesScope {
  master: ParsedEvent;
  /** The master passes the window test: its generated instances are wanted. */
  masterWritten: boolean;
  durationEnd: (occurrenceStart: EventTime) => EventTime;
  scope: FileContext;
}

function generatedInstance(series: SeriesScope, occurrence: Occurrence): SourceRecord | undefined {
  const { master, masterWritten, scope } = series;
  if (!masterWritten || !isInExpansionRange(occurrence.start, scope.context.window)) return undefined;
  return buildRecord(scope, { event: master, fallback: undefined, start: occurrence.start, end: occurrence.end, recurrenceId: occurrence.start, recurring: true });
}

/**
 * An instance replaced by an override: kept when the series or the override itself was
 * written in the window, and when it was or is now scheduled within the range.
 */
function overriddenInstance(series: SeriesScope, occurrence: Occurrence, override: ParsedEvent): SourceRecord | undefined {
  const { master, masterWritten, scope } = series;
  const { window } = scope.context;
  const start = override.start ?? occurrence.start;
  const inRange = isInExpansionRange(occurrence.start, window) || isInExpansionRange(start, window);
  const written = masterWritten || writtenInWindow(override, window.since);
  if (!inRange || !written) return undefined;
  // An override that moves the start without saying the end keeps the series' length.
  const end = override.end ?? (override.start === null ? occurrence.end : series.durationEnd(start));
  return buildRecord(scope, { event: override, fallback: master, start, end, recurrenceId: occurrence.start, recurring: true });
}

/** When a series cannot be expanded: its first occurrence as a plain record, and its overrides as they are. */
function* masterOnly(master: ParsedEvent, overrides: ParsedEvent[], scope: FileContext): Generator<SourceRecord> {
  if (writtenInWindow(master, scope.context.window.since)) {
    const end = master.start === null ? master.end : (master.end ?? defaultEnd(master.start));
    yield buildRecord(scope, { event: master, fallback: undefined, start: master.start, end, recurrenceId: undefined, recurring: true });
  }
  for (const override of overrides) yield* standaloneOverride(override, master, scope, true);
}

interface Occurrence {
  start: EventTime;
  end: EventTime;
}

/**
 * Occurrences from DTSTART (always one, per RFC 5545), every RRULE and RDATE, up to the
 * horizon. Returns undefined when a rule cannot be read or iterated.
 */
function expandSeries(master: ParsedEvent, start: EventTime, namedKeys: Set<string>, scope: FileContext): Occurrence[] | undefined {
  const { window } = scope.context;
  const found = new Map<string, Occurrence>();
  const durationEnd = occurrenceEnd(master, start);
  const keep = (occurrence: Occurrence) => {
    const inRange = isInExpansionRange(occurrence.start, window);
    if (inRange || occurrenceKeys(occurrence.start).some((key) => namedKeys.has(key))) {
      const key = referenceKey(occurrence.start);
      if (!found.has(key)) found.set(key, occurrence);
    }
  };
  keep({ start, end: durationEnd(start) });

  for (const property of master.component.getAllProperties('rrule')) {
    const ruleText = rawValueOf(property) ?? '';
    const expanded = expandRule(ruleText, start, master, scope);
    if (expanded === undefined) return undefined;
    for (const local of expanded) {
      const occurrenceStart = atLocalInFrame(start, local);
      keep({ start: occurrenceStart, end: durationEnd(occurrenceStart) });
    }
  }
  for (const occurrence of recurrenceDates(master, start, scope)) keep(occurrence);
  if (master.component.hasProperty('exrule')) {
    scope.warnings.warn(master.label, 'has an EXRULE, which RFC 5545 deprecated and salvage does not apply; the occurrences it would remove are kept');
  }
  return [...found.values()].sort((a, b) => instantOf(a.start) - instantOf(b.start));
}

/** Each occurrence lasts as long as the first one (RFC 5545), measured in real time. */
function occurrenceEnd(master: ParsedEvent, start: EventTime): (occurrenceStart: EventTime) => EventTime {
  const end = master.end;
  if (end === null) return defaultEnd;
  if (start.kind === 'date') {
    const days = Math.round((localAsEpoch(end.local) - localAsEpoch(start.local)) / DAY_MS);
    return (occurrenceStart) => addDays(occurrenceStart, days);
  }
  const durationMs = instantOf(end) - instantOf(start);
  return (occurrenceStart) => atInstantInFrame(end, instantOf(occurrenceStart) + durationMs);
}

/** Wall-clock starts the rule produces up to the horizon, or undefined when the rule is unusable. */
function expandRule(ruleText: string, start: EventTime, master: ParsedEvent, scope: FileContext): LocalDateTime[] | undefined {
  const invalid = (reason: string) => {
    scope.warnings.warn(master.label, `cannot use RRULE "${ruleText}" (${reason}); only the first occurrence (DTSTART) is kept`);
    return undefined;
  };
  let rule: IcalRecur;
  try {
    rule = ICAL.Recur.fromString(ruleText);
  } catch (error) {
    return invalid((error as Error).message);
  }
  if (!rule.freq) return invalid('no FREQ');
  const until = untilInStartFrame(rule.until, start);
  if (until !== null) rule.until = until;

  const horizon = scope.context.window.horizon.getTime();
  const starts: LocalDateTime[] = [];
  try {
    // ical.js iterates wall-clock times: a 09:00 meeting stays at 09:00 across DST.
    const iterator = rule.iterator(floatingIcalTime(start.local, start.kind === 'date'));
    for (let next = iterator.next(); next; next = iterator.next()) {
      const local = { year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second };
      if (instantOf(atLocalInFrame(start, local)) > horizon) break;
      if (starts.length >= MAX_OCCURRENCES_PER_SERIES) {
        scope.warnings.warn(master.label, `stopped expanding after ${MAX_OCCURRENCES_PER_SERIES} occurrences (at ${formatLocal(local)}); later ones are missing`);
        break;
      }
      starts.push(local);
    }
  } catch (error) {
    return invalid((error as Error).message);
  }
  return starts;
}

/** An ical.js time without zone: recurrence arithmetic on the wall clock. */
function floatingIcalTime(local: LocalDateTime, isDate: boolean): IcalTime {
  const time = isDate ? { year: local.year, month: local.month, day: local.day, isDate } : { ...local, isDate };
  return new ICAL.Time(time, ICAL.Timezone.localTimezone);
}

/**
 * Expansion runs on floating wall-clock times, so UNTIL must be one too. RFC 5545 has it
 * in UTC when DTSTART has a zone: convert it to that zone's wall clock. A date UNTIL on a
 * timed series includes that whole day.
 */
function untilInStartFrame(until: IcalTime | undefined | null, start: EventTime): IcalTime | null {
  if (until === undefined || until === null) return null;
  const local = { year: until.year, month: until.month, day: until.day, hour: until.hour, minute: until.minute, second: until.second };
  if (start.kind === 'date') return floatingIcalTime(local, true);
  if (until.isDate) return floatingIcalTime({ ...local, hour: 23, minute: 59, second: 59 }, false);
  if (until.zone === ICAL.Timezone.utcTimezone && start.kind === 'zoned') {
    return floatingIcalTime(start.zone.localAt(localAsEpoch(local)), false);
  }
  return floatingIcalTime(local, false);
}

function recurrenceDates(master: ParsedEvent, start: EventTime, scope: FileContext): Occurrence[] {
  const occurrences: Occurrence[] = [];
  const durationEnd = occurrenceEnd(master, start);
  for (const property of master.component.getAllProperties('rdate')) {
    for (const value of valuesOf(property, master, scope)) {
      if (value instanceof ICAL.Period) {
        const periodStart = eventTimeOf(value.start, property, scope.calendar.zones, master.label, scope.warnings);
        if (periodStart === null) continue;
        const occurrenceStart = inStartFrame(periodStart, start);
        const periodEnd = value.end === null || value.end === undefined ? null : eventTimeOf(value.end, property, scope.calendar.zones, master.label, scope.warnings);
        const end = periodEnd ?? (value.duration ? atInstantInFrame(occurrenceStart, instantOf(occurrenceStart) + value.duration.toSeconds() * 1000) : durationEnd(occurrenceStart));
        occurrences.push({ start: occurrenceStart, end });
      } else if (value instanceof ICAL.Time) {
        const time = eventTimeOf(value, property, scope.calendar.zones, master.label, scope.warnings);
        if (time === null) continue;
        const occurrenceStart = inStartFrame(time, start);
        occurrences.push({ start: occurrenceStart, end: durationEnd(occurrenceStart) });
      }
    }
  }
  return occurrences;
}

/** An RDATE in UTC for a zoned series is shown in the series' zone, like the generated ones. */
function inStartFrame(time: EventTime, start: EventTime): EventTime {
  if (time.kind === 'utc' && start.kind === 'zoned') return atInstantInFrame(start, time.epochMs);
  return time;
}

function exceptionDateKeys(master: ParsedEvent, scope: FileContext): Set<string> {
  const keys = new Set<string>();
  for (const property of master.component.getAllProperties('exdate')) {
    for (const value of valuesOf(property, master, scope)) {
      if (!(value instanceof ICAL.Time)) continue;
      const time = eventTimeOf(value, property, scope.calendar.zones, master.label, scope.warnings);
      if (time !== null) keys.add(referenceKey(time));
    }
  }
  return keys;
}

function valuesOf(property: IcalProperty, event: ParsedEvent, scope: FileContext): unknown[] {
  try {
    return property.getValues();
  } catch (error) {
    scope.warnings.warn(event.label, `cannot read ${property.name.toUpperCase()} (${(error as Error).message}); it is ignored`);
    return [];
  }
}

// ---------------------------------------------------------------------------
// The record

interface RecordParts {
  /** The VEVENT that describes this occurrence (an override, or the master). */
  event: ParsedEvent;
  /** For an override: the master, whose fields fill what the override leaves out. */
  fallback: ParsedEvent | undefined;
  start: EventTime | null;
  end: EventTime | null;
  /** Set for instances of a series. */
  recurrenceId: EventTime | undefined;
  recurring: boolean;
}

function buildRecord(scope: FileContext, parts: RecordParts): SourceRecord {
  const { event, fallback } = parts;
  const field = (name: string) => textOf(event.component, name) ?? (fallback === undefined ? null : textOf(fallback.component, name));
  const status = field('status');
  const recurrenceIdText = parts.recurrenceId === undefined ? undefined : formatRecurrenceId(parts.recurrenceId);
  const identity = recordIdentity(scope.file, event.uid ?? fallback?.uid ?? null, recurrenceIdText, event.position);
  const created = event.created ?? fallback?.created ?? null;
  const lastModified = event.lastModified ?? fallback?.lastModified ?? null;

  const data: Record<string, unknown> = {
    uid: event.uid ?? fallback?.uid ?? null,
    summary: field('summary'),
    description: field('description'),
    location: field('location'),
    status,
    sequence: sequenceOf(event.component) ?? (fallback === undefined ? null : sequenceOf(fallback.component)),
    start: parts.start === null ? null : formatEventTime(parts.start),
    end: parts.end === null ? null : formatEventTime(parts.end),
    allDay: parts.start?.kind === 'date',
    timeZone: timeZoneName(parts.start, scope.calendar),
    floating: parts.start?.kind === 'floating',
    ...(recurrenceIdText === undefined ? {} : { recurrenceId: recurrenceIdText }),
    recurring: parts.recurring,
    organizer: organizerOf(event.component) ?? (fallback === undefined ? null : organizerOf(fallback.component)),
    attendees: firstNonEmpty(attendeesOf(event.component), fallback && attendeesOf(fallback.component)),
    categories: firstNonEmpty(categoriesOf(event.component), fallback && categoriesOf(fallback.component)),
    url: field('url'),
    calendarName: scope.calendar.name,
    created: created === null ? null : isoInstant(created),
    lastModified: lastModified === null ? null : isoInstant(lastModified),
    extra: { ...(fallback === undefined ? {} : extraPropertiesOf(fallback.component)), ...extraPropertiesOf(event.component) },
  };

  const record: SourceRecord = {
    source: scope.context.sourceName,
    type: 'calendar.event',
    id: identity.id,
    ref: identity.ref,
    observedAt: scope.context.observedAt,
    data,
  };
  if (created !== null) record.createdAt = isoInstant(created);
  if (lastModified !== null) record.updatedAt = isoInstant(lastModified);
  if (isCancelled(status)) record.deleted = true;
  return record;
}

function firstNonEmpty<T>(own: T[], fallback: T[] | undefined): T[] {
  return own.length > 0 || fallback === undefined ? own : fallback;
}

function timeZoneName(start: EventTime | null, calendar: CalendarContext): string | null {
  if (start === null) return null;
  switch (start.kind) {
    case 'date':
      return calendar.defaultTimeZone;
    case 'utc':
      return 'UTC';
    case 'zoned':
      return start.tzid;
    case 'floating':
      return start.tzid;
  }
}

/**
 * `id` is the UID (plus `@<recurrence id>` for an instance); `ref` points into the file.
 * An event without UID is named by its position, which is stable while the file is.
 */
function recordIdentity(file: MatchedFile, uid: string | null, recurrenceId: string | undefined, position: number): { id: string; ref: string } {
  const base = `file://${file.displayPath}`;
  if (uid === null) {
    const suffix = recurrenceId === undefined ? '' : `@${recurrenceId}`;
    return { id: `${file.displayPath}#event-${position}${suffix}`, ref: `${base}#event=${position}${recurrenceId === undefined ? '' : `&recurrence=${recurrenceId}`}` };
  }
  if (recurrenceId === undefined) return { id: uid, ref: `${base}#uid=${encodeUidForRef(uid)}` };
  return { id: `${uid}@${recurrenceId}`, ref: `${base}#uid=${encodeUidForRef(uid)}&recurrence=${recurrenceId}` };
}

/** Only what would break the fragment is encoded, so typical UIDs (`abc@google.com`) stay readable. */
function encodeUidForRef(uid: string): string {
  return uid.replace(/[%#&\s]|[\u0000-\u001f\u007f]/g, (char) => encodeURIComponent(char));
}
