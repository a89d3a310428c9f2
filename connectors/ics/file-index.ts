/**
 * Pass 1 of a streamed .ics file: what pass 2 needs to rebuild each UID group, and no
 * more. Per root: its own content lines and VTIMEZONEs (small) and the names of the
 * children it ignores; per VEVENT: byte range (typed arrays) and its
 * group, found by UID while the root is read (the only strings held, one per UID).
 */
import ICAL from 'ical.js';
import { SourceInputError } from '../../src/records/connector.js';
import type { MatchedFile } from '../shared/files.js';
import { type ContentLine, UnindexableFile, forEachContentLine } from './content-lines.js';
import { NumberColumn, uint32Column } from './number-column.js';
import { NO_CALENDAR, parseContentLine } from './parse.js';

export interface RootIndex {
  /** The VCALENDAR's own content lines (VERSION, X-WR-CALNAME, ...), unfolded, in file order. */
  propertyLines: string[];
  /** Its VTIMEZONE components, as unfolded content lines. */
  timeZoneLines: string[];
  /** How many children are neither VEVENT nor VTIMEZONE, and their names in upper case. */
  ignoredCount: number;
  ignoredNames: Set<string>;
  /** Its UID groups are [firstGroup, groupEnd), numbered in order of first appearance. */
  firstGroup: number;
  groupEnd: number;
}

/** Why one VEVENT cannot be read, and the line to look at. */
export interface BrokenEvent {
  line: number;
  reason: string;
}

/** A line outside any VEVENT that ical.js would refuse: left out (with a warning), not the end of the file. */
export interface DroppedLine {
  line: number;
  reason: string;
}

export interface FileIndex {
  roots: RootIndex[];
  /** Per VEVENT, by its 0-based place among the file's VEVENTs: its bytes [start, end). */
  eventStart: NumberColumn;
  eventEnd: NumberColumn;
  /** Per VEVENT: the line its BEGIN:VEVENT is on. */
  eventLine: NumberColumn;
  /** VEVENTs with a line ical.js refuses (or that the file cut off): each is rejected alone. */
  broken: Map<number, BrokenEvent>;
  dropped: DroppedLine[];
  /** The file ended with a VCALENDAR still open (its events complete): read, with a warning. */
  unclosedRoot: boolean;
  /** Group g's events (file order) are members[groupStart[g] .. groupStart[g + 1]). */
  groupStart: Int32Array;
  members: Int32Array;
}

/**
 * Indexes the file, or returns undefined when its layout is not the plain one (VCALENDAR
 * roots holding components) that this index describes: such a file is read whole.
 * A line ical.js would refuse costs its VEVENT (marked broken, rejected in pass 2) or,
 * outside events, only itself (dropped with a warning); a VEVENT the end of the file
 * cuts off is broken too. Fails only when there is no calendar at all.
 */
export async function indexCalendarFile(file: MatchedFile, onEvent: () => void = () => undefined): Promise<FileIndex | undefined> {
  const indexer = new Indexer(onEvent);
  try {
    await forEachContentLine(file.absolutePath, (line) => indexer.see(line));
  } catch (error) {
    if (error instanceof UnindexableFile) return undefined;
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    throw new SourceInputError(`cannot read the file (${String(code)}); check that it exists and is readable`, file.displayPath);
  }
  indexer.closeAtEndOfFile();
  if (indexer.roots.length === 0) throw new SourceInputError(NO_CALENDAR, file.displayPath);
  return indexer.finish();
}

type Token = { kind: 'begin'; name: string } | { kind: 'end' } | { kind: 'property'; name: string } | { kind: 'invalid' };

/** What a content line is, decided exactly as ical.js's `_handleContentLine` decides it. */
function tokenOf(text: string): Token {
  const valuePos = text.indexOf(':');
  let paramPos = text.indexOf(';');
  if (paramPos !== -1 && valuePos !== -1 && paramPos > valuePos) paramPos = -1;
  if (paramPos !== -1) return { kind: 'property', name: text.slice(0, paramPos).toLowerCase() };
  if (valuePos === -1) return { kind: 'invalid' };
  const name = text.slice(0, valuePos).toLowerCase();
  if (name === 'begin') return { kind: 'begin', name: text.slice(valuePos + 1).toLowerCase() };
  if (name === 'end') return { kind: 'end' };
  return { kind: 'property', name };
}

type Child = 'vevent' | 'vtimezone' | 'other';

class Indexer {
  readonly roots: RootIndex[] = [];
  /** Open components: 0 outside any, 1 inside a root, 2 inside a root's child, ... */
  depth = 0;
  private root: RootIndex | undefined;
  private child: Child = 'other';
  private readonly eventStart = new NumberColumn();
  private readonly eventEnd = new NumberColumn();
  private readonly eventLine = uint32Column();
  private readonly broken = new Map<number, BrokenEvent>();
  private readonly dropped: DroppedLine[] = [];
  private unclosedRoot = false;
  private lastLine: ContentLine | undefined;
  private readonly eventGroup = uint32Column();
  private groups = 0;
  /** UID -> group, for the current root only (today's grouping is per root). */
  private groupOfUid = new Map<string, number>();
  private uid: string | null | undefined;

  /** `onEvent` runs at each VEVENT found: the live line's count while a large file is indexed. */
  constructor(private readonly onEvent: () => void) {}

  see(line: ContentLine): void {
    this.lastLine = line;
    const token = tokenOf(line.text);
    // The commonest broken line (no ':' or ';') is found here; rarer ones (bad parameters)
    // when pass 2 parses the event. Either costs its event only.
    if (token.kind === 'invalid' && this.depth > 0) {
      const reason = `line ${line.line} is not an iCalendar content line (no ":" or ";"): "${shorten(line.text)}"`;
      if (this.inEvent()) this.breakEvent(line.line, `${reason}; a folded line that lost its leading space?`);
      else this.dropped.push({ line: line.line, reason });
      return;
    }
    if (this.depth === 0) this.outside(token);
    else if (this.depth === 1) this.inRoot(token, line);
    else this.inChild(token, line);
  }

  private outside(token: Token): void {
    // ical.js accepts other roots (a bare VEVENT, a VCARD) and fails oddly on lines
    // outside any component; leave all of that to the whole-file path.
    if (token.kind !== 'begin' || token.name !== 'vcalendar') throw new UnindexableFile('not a plain VCALENDAR layout');
    this.root = { propertyLines: [], timeZoneLines: [], ignoredCount: 0, ignoredNames: new Set(), firstGroup: this.groups, groupEnd: this.groups };
    this.depth = 1;
  }

  private inRoot(token: Token, line: ContentLine): void {
    const root = this.root as RootIndex;
    if (token.kind === 'end') {
      root.groupEnd = this.groups;
      this.roots.push(root);
      this.groupOfUid = new Map();
      this.depth = 0;
    } else if (token.kind === 'begin') {
      this.depth = 2;
      this.child = token.name === 'vevent' ? 'vevent' : token.name === 'vtimezone' ? 'vtimezone' : 'other';
      if (this.child === 'vevent') {
        this.eventStart.push(line.start);
        this.eventLine.push(line.line);
        this.uid = undefined;
        this.onEvent();
      } else if (this.child === 'vtimezone') {
        root.timeZoneLines.push(line.text);
      } else {
        root.ignoredCount++;
        root.ignoredNames.add(token.name.toUpperCase());
      }
    } else {
      root.propertyLines.push(line.text);
    }
  }

  private inChild(token: Token, line: ContentLine): void {
    if (this.child === 'vtimezone') (this.root as RootIndex).timeZoneLines.push(line.text);
    if (token.kind === 'begin') {
      this.depth++;
    } else if (token.kind === 'end') {
      this.depth--;
      if (this.depth === 1 && this.child === 'vevent') this.endEvent(line);
    } else if (this.child === 'other') {
      // Never parsed later (only counted): a line ical.js refuses costs nothing but a warning.
      try {
        parseContentLine(line.text);
      } catch (error) {
        this.dropped.push({ line: line.line, reason: `${(error as Error).message} (in a component that is not read)` });
      }
    } else if (this.child === 'vevent' && this.depth === 2 && token.kind === 'property' && token.name === 'uid' && this.uid === undefined) {
      try {
        this.uid = uidOf(line.text);
      } catch (error) {
        this.breakEvent(line.line, `cannot read its UID (${(error as Error).message})`);
      }
    }
  }

  private inEvent(): boolean {
    return this.depth >= 2 && this.child === 'vevent';
  }

  /** The current VEVENT will be rejected, for the first reason found. */
  private breakEvent(line: number, reason: string): void {
    const event = this.eventStart.length - 1;
    if (!this.broken.has(event)) this.broken.set(event, { line, reason });
  }

  /** A file cut off mid-event: that event is broken, the calendar around it is closed. */
  closeAtEndOfFile(): void {
    if (this.depth === 0) return;
    const end = this.lastLine?.end ?? 0;
    if (this.inEvent()) {
      this.breakEvent(this.eventLine.at(this.eventStart.length - 1), 'the file ends inside this VEVENT (no END:VEVENT): the export was cut off?');
      this.depth = 2;
      this.endEvent({ text: '', start: end, end, line: 0 });
    }
    this.unclosedRoot = true;
    this.depth = 1;
    this.inRoot({ kind: 'end' }, { text: '', start: end, end, line: 0 });
  }

  private endEvent(line: ContentLine): void {
    this.eventEnd.push(line.end);
    const uid = this.uid ?? null;
    let group = uid === null ? undefined : this.groupOfUid.get(uid);
    if (group === undefined) {
      group = this.groups++;
      if (uid !== null) this.groupOfUid.set(uid, group);
    }
    this.eventGroup.push(group);
  }

  finish(): FileIndex {
    const groupStart = new Int32Array(this.groups + 1);
    for (let event = 0; event < this.eventGroup.length; event++) groupStart[this.eventGroup.at(event) + 1]!++;
    for (let group = 0; group < this.groups; group++) groupStart[group + 1]! += groupStart[group]!;
    const members = new Int32Array(this.eventGroup.length);
    const filled = groupStart.slice(0, this.groups);
    for (let event = 0; event < this.eventGroup.length; event++) members[filled[this.eventGroup.at(event)]!++] = event;
    return {
      roots: this.roots,
      eventStart: this.eventStart,
      eventEnd: this.eventEnd,
      eventLine: this.eventLine,
      broken: this.broken,
      dropped: this.dropped,
      unclosedRoot: this.unclosedRoot,
      groupStart,
      members,
    };
  }
}

/** The UID as parseEvent reads it (ical.js decodes the value; blank means none). */
function uidOf(text: string): string | null {
  const value: unknown = new ICAL.Property(parseContentLine(text) as unknown[]).getFirstValue();
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
