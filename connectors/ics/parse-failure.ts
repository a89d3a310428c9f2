/** An ical.js parse error as an input error that names the file and, where it can be found, the line. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { SourceInputError } from '../../src/records/connector.js';
import type { MatchedFile } from '../shared/files.js';

export function describeParseFailure(error: unknown, text: string, file: MatchedFile): SourceInputError {
  const message = messageOf(error);
  const finder = lineFinderFor(message);
  if (finder !== undefined) text.split(/\r\n|\n|\r/).forEach((line) => finder.see(line));
  return parseFailure(message, finder?.found(), file);
}

/**
 * The same, for a file that was read as a stream: the offending line is looked for in
 * the file itself (read once more, line by line), so its number is the one a whole-file
 * parse would have given, wherever the failing piece was parsed from.
 */
export async function describeParseFailureInFile(error: unknown, file: MatchedFile): Promise<SourceInputError> {
  const message = messageOf(error);
  const finder = lineFinderFor(message);
  if (finder === undefined) return parseFailure(message, undefined, file);
  try {
    // readline splits at \n, \r\n and a lone \r, as the split above does.
    const lines = createInterface({ input: createReadStream(file.absolutePath, 'utf8'), crlfDelay: Infinity });
    let first = true;
    for await (const line of lines) {
      finder.see(first && line.startsWith('\uFEFF') ? line.slice(1) : line);
      first = false;
    }
  } catch {
    // The line number is a courtesy; the parse error is what must be reported.
  }
  return parseFailure(message, finder.found(), file);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseFailure(message: string, line: number | undefined, file: MatchedFile): SourceInputError {
  const location = line === undefined ? file.displayPath : `${file.displayPath}:${line}`;
  return new SourceInputError(`cannot parse the iCalendar file (${message}); fix or remove this file and pull again`, location);
}

/** Sees the file's physical lines in order and names the one the error is about. */
interface LineFinder {
  see(line: string): void;
  found(): number | undefined;
}

/** ical.js ends these messages with the offending (unfolded) content line in quotes. */
const QUOTED_LINE_IN_PARSER_ERROR = /(?:\(no token ";" or ":"\) "|in ')(.+)["']$/s;

/** ical.js quotes the offending content line but not its number; find it in the text. */
function lineFinderFor(message: string): LineFinder | undefined {
  if (message.includes('component began but did not end')) return unclosedBeginFinder();
  const quoted = QUOTED_LINE_IN_PARSER_ERROR.exec(message)?.[1];
  if (quoted === undefined) return undefined;
  // The quoted line is unfolded; its first physical line starts with the same text.
  const probe = quoted.slice(0, 40);
  let count = 0;
  let match: number | undefined;
  return {
    see: (line) => {
      count++;
      if (match === undefined && line.startsWith(probe)) match = count;
    },
    found: () => match,
  };
}

function unclosedBeginFinder(): LineFinder {
  const open: number[] = [];
  let count = 0;
  return {
    see: (line) => {
      count++;
      const upper = line.toUpperCase();
      if (upper.startsWith('BEGIN:')) open.push(count);
      else if (upper.startsWith('END:')) open.pop();
    },
    found: () => open.at(-1),
  };
}
