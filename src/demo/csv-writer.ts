/**
 * CSV as spreadsheet-minded exporters write it (RFC 4180): a field is quoted when
 * it holds a comma, a double quote, a line break or edge spaces, and quotes are
 * doubled. Stripe's Dashboard exports use CRLF and start with a UTF-8 BOM.
 */

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvDocument(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const lines = [header, ...rows].map((fields) => fields.map(csvField).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
