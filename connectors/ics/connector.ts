/**
 * The `ics` connector: one `calendar.event` record per event occurrence in local
 * iCalendar files (exports, emailed invitations).
 *
 * ical.js parses the file and iterates recurrence rules. Everything that depends on
 * time zones (offsets, EXDATE and RECURRENCE-ID matching, the window) is done here in
 * plain instants, because ical.js only knows zones registered in a process-wide
 * registry and an export often names IANA zones without defining them.
 */
import { SourceInputError, type Connector, type PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { type MatchedFile, resolveFilePatterns } from '../shared/files.js';
import type { SkipCounts } from './file-context.js';
import { streamedFileRecords } from './stream-records.js';
import { createProgress, type SourceProgress } from '../../src/runtime/source-progress.js';

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

/** How one file becomes records: streamed (the default) or whole (whole-file.ts). */
export type IcsFileReader = (file: MatchedFile, context: PullContext, skipped: SkipCounts, progress?: SourceProgress) => AsyncIterable<SourceRecord>;

export async function* pullIcsFiles(options: IcsSourceOptions, context: PullContext, readFile: IcsFileReader = streamedFileRecords): AsyncGenerator<SourceRecord> {
  const files = await resolveFilePatterns(options.files, context.baseDir, context.log);
  const skipped: SkipCounts = { events: 0, series: 0 };
  // The live line on a terminal; pull() logs the count of records at the end.
  const progress = createProgress(context, 'ics');
  for (const file of files) {
    context.signal?.throwIfAborted();
    // Streamed by default: an index first, then one UID group at a time, never the whole text.
    try {
      for await (const record of readFile(file, context, skipped, progress)) {
        context.signal?.throwIfAborted();
        progress.add('events');
        yield record;
      }
    } catch (error) {
      // A file that cannot be read fails alone: the events it gave so far stay, the other files are read.
      if (!(error instanceof SourceInputError)) throw error;
      context.reject({ what: 'file', location: error.location ?? file.displayPath, reason: error.reason });
    }
  }
  progress.done(false);
  context.log(
    `ics: skipped ${skipped.events} events and ${skipped.series} recurring series last written ` +
      `(CREATED/LAST-MODIFIED) before ${context.window.since.toISOString()}`,
  );
}
