/** An ical.js parse error as an input error that names the file and, where it can be found, the line. */
import { SourceInputError } from '../../src/records/connector.js';
import type { MatchedFile } from '../shared/files.js';

export function describeParseFailure(error: unknown, text: string, file: MatchedFile): SourceInputError {
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
