import { UsageError } from '../errors.js';
import type { Changeset } from '../changeset/changeset.js';
import { viewOfChangeset, type ChangesetView } from './changeset-view.js';
import { htmlChunks } from './html.js';
import { jsonPieces } from './json-pieces.js';
import { markdownLines } from './markdown.js';
import { textLines } from './text.js';

export const DIFF_FORMATS = ['text', 'md', 'html', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export interface RenderOptions {
  color?: boolean;
  limit?: number;
  /** Text only: the summary again at the end. */
  summaryAgain?: boolean;
  /** Markdown only: stay under this many characters (see MarkdownReportOptions). */
  maxChars?: number;
}

export function renderChangeset(changeset: Changeset, format: string, options: RenderOptions = {}): string {
  return [...renderPieces(viewOfChangeset(changeset), format, options)].join('');
}

/**
 * The report in pieces that, joined, are the whole of it: what `salvage diff` writes
 * as it goes, so that a report larger than one string can hold is still written.
 */
export function renderPieces(view: ChangesetView, format: string, options: RenderOptions = {}): Iterable<string> {
  switch (format) {
    case 'text':
      return joinLines(textLines(view, options));
    case 'md':
      return joinLines(markdownLines(view, { limit: options.limit, maxChars: options.maxChars }));
    case 'html':
      // One page with every change: it paginates in the browser, so --limit does not apply.
      return htmlChunks(view);
    case 'json':
      return lineEnded(jsonPieces(view));
    default:
      throw new UsageError(`unknown diff format "${format}": use one of ${DIFF_FORMATS.join(', ')}`);
  }
}

function* joinLines(lines: Iterable<string>): Generator<string> {
  let first = true;
  for (const line of lines) {
    yield first ? line : `\n${line}`;
    first = false;
  }
}

/** The pieces, then a line end. */
export function* lineEnded(pieces: Iterable<string>): Generator<string> {
  yield* pieces;
  yield '\n';
}
