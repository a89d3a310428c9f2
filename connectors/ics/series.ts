/** A recurring series as records: its occurrences in the range, with overrides and EXDATEs applied. */
import type { SourceRecord } from '../../src/records/envelope.js';
import { type EventTime, defaultEnd } from './event-time.js';
import type { FileContext } from './file-context.js';
import type { ParsedEvent } from './parsed-event.js';
import { writtenInWindow, isInExpansionRange } from './window.js';
import { type Occurrence, expandSeries, occurrenceEnd, exceptionDateKeys, occurrenceKeys, referenceKey } from './recurrence.js';
import { buildRecord } from './event-record.js';

export function* seriesRecords(master: ParsedEvent, overrides: ParsedEvent[], scope: FileContext): Generator<SourceRecord> {
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

/** An override whose occurrence the series does not produce (or whose series is absent). */
export function* standaloneOverride(
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
