/**
 * The `ics` connector: one `calendar.event` record per event occurrence in local
 * iCalendar files (exports, emailed invitations).
 *
 * ical.js parses the file and iterates recurrence rules. Everything that depends on
 * time zones (offsets, EXDATE and RECURRENCE-ID matching, the window) is done here in
 * plain instants, because ical.js only knows zones registered in a process-wide
 * registry and an export often names IANA zones without defining them.
 */
import type { Connector, PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { resolveFilePatterns } from '../shared/files.js';
import { readCalendarFile, parseCalendarFile } from './parse.js';
import type { SkipCounts } from './file-context.js';
import { recordsOfFile } from './file-records.js';

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
