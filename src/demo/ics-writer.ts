/**
 * The iCalendar (RFC 5545) spelling rules the calendar export follows: TEXT
 * escaping, parameter quoting (with RFC 6868 for characters a quoted parameter
 * cannot hold), and line folding at 75 octets without splitting a UTF-8 sequence.
 */

/** TEXT values: backslash, semicolon and comma are escaped; a newline becomes `\n`. */
export function escapeText(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll(';', '\\;').replaceAll(',', '\\,').replace(/\r?\n/g, '\\n');
}

/**
 * A parameter value, always double-quoted (names hold `:`, `;` and `,` happily
 * then). A double quote cannot appear inside, so RFC 6868 spells it `^'`; a caret
 * becomes `^^` and a newline `^n`.
 */
export function quoteParam(value: string): string {
  return `"${value.replaceAll('^', '^^').replaceAll('"', "^'").replace(/\r?\n/g, '^n')}"`;
}

/** Content lines longer than 75 octets continue on lines that start with one space. */
export const FOLD_OCTETS = 75;

/** Folds one content line; splits only between code points, so multi-byte characters stay whole. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = FOLD_OCTETS;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = FOLD_OCTETS - 1; // the leading space of a continuation line counts
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** A whole iCalendar object from its unfolded content lines: folded, CRLF-terminated. */
export function icsDocument(lines: readonly string[]): string {
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
