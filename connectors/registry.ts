import { csvSource } from './csv/source-kind.js';
import { emlSource, imapSource } from './email/source-kinds.js';
import { googleCalendarSource } from './google-calendar/source-kind.js';
import { icsSource } from './ics/source-kind.js';
import { jsonLinesSource } from './json-lines/source-kind.js';
import { stripeSource } from './stripe/source-kind.js';

/**
 * Every kind of source salvage reads, one line each: salvage.yaml's validation (its
 * options and secret fields) and pull find a source's kind here and nowhere else.
 */
export const SOURCE_KINDS = [stripeSource, imapSource, googleCalendarSource, icsSource, csvSource, emlSource, jsonLinesSource] as const;
