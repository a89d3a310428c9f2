/**
 * The whole-file path: the text, ical.js's jCal and every component in memory at once.
 * Kept for files the streamed path does not index (see file-index.ts) and as the
 * reference the streamed path is tested against.
 */
import type { PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import type { MatchedFile } from '../shared/files.js';
import type { SkipCounts } from './file-context.js';
import { recordsOfFile } from './file-records.js';
import { parseCalendarFile, readCalendarFile } from './parse.js';
import { QuirkWarnings } from './quirk-warnings.js';
import { repairCalendarText } from './quirks.js';

export async function* wholeFileRecords(file: MatchedFile, context: PullContext, skipped: SkipCounts): AsyncGenerator<SourceRecord> {
  const quirks = new QuirkWarnings(file.displayPath, context.log);
  const text = repairCalendarText(await readCalendarFile(file), quirks.repaired);
  quirks.finish();
  yield* recordsOfFile(parseCalendarFile(text, file), file, context, skipped);
}
