import { SourceInputError } from '../../src/records/connector.js';
import { parseWriteTime } from '../csv/connector.js';
import { fieldAt } from './field-path.js';

/**
 * When a line says its object was written: an ISO-8601 text (or `YYYY-MM-DD HH:MM:SS`,
 * read as UTC), or a Unix time in seconds or milliseconds, as logs write them. A line
 * without the field keeps no time (it is kept); a value that is not a time is rejected,
 * since guessing would move the line in or out of the window without a word.
 */
export function writeTimeOf(data: Record<string, unknown>, field: string): string | undefined {
  const value = fieldAt(data, field);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Seconds until the year 5138; past 1e11 the number can only be milliseconds.
    return new Date(value > 1e11 ? value : value * 1000).toISOString();
  }
  if (typeof value === 'string') {
    const instant = parseWriteTime(value);
    if (instant !== undefined) return instant;
  }
  throw new SourceInputError(`cannot read ${JSON.stringify(value)} in "${field}" as a time (expected ISO-8601, YYYY-MM-DD HH:MM:SS in UTC, or Unix seconds or milliseconds)`);
}
