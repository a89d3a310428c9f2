import { HTML_ENTITY } from './html-text.js';
import { markEdgeSpaces, showInvisibles } from './visible-text.js';

/**
 * Text from the changeset (values, ids, refs, even table names) is data that a
 * hostile source may have written. In the Markdown report it always goes through
 * `mdText`, which keeps it on one line and inert: it cannot end a table cell, open
 * a code span, emphasis, a link or math, or become HTML.
 */
export function mdText(value: string): string {
  return showInvisibles(markEdgeSpaces(value))
    .replace(/[&<>]/g, (c) => HTML_ENTITY[c] ?? c)
    // Backslash-escaping ASCII punctuation is always literal in CommonMark/GFM; these are
    // the characters that start inline syntax mid-line (`$` is GitHub's math).
    .replace(/[\\`*[\]|~$]/g, (c) => `\\${c}`)
    // An underscore between letters or digits cannot start emphasis: `created_at` stays readable.
    .replace(/_/g, (c, at: number, all: string) => (isWordChar(all[at - 1]) && isWordChar(all[at + 1]) ? c : '\\_'))
    // A raw newline would end the table row; keep it visible and break the line in the cell.
    .replace(/\r\n|\r|\n/g, '↵<br>');
}

/**
 * A column value, in `<code>` (not a code span, which cannot hold `|` or backticks
 * safely): monospace shows spaces and look-alike characters, and GitHub leaves code
 * alone when it turns `@name`, `#12` and `:tada:` into mentions, links and emoji.
 * NULL and the empty string are shown as what they are, distinct from the text "NULL".
 */
export function mdValue(value: string | null | undefined): string {
  if (value === null || value === undefined) return '*NULL*';
  if (value === '') return '*empty string*';
  return mdCode(value);
}

/** Monospace, inert text: `<code>` plus escaped content. */
export function mdCode(value: string): string {
  return `<code>${mdText(value)}</code>`;
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}]/u.test(char);
}
