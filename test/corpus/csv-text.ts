/** Writing CSV for the corpus: RFC 4180 quoting, and the physical line each row starts on. */

/** One cell, quoted when it must be (delimiter, quote, CR, LF), quotes doubled. */
export function csvCell(value: string, delimiter = ','): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export interface CsvText {
  text: string;
  /** For each data row (in order), the 1-based physical line it starts on. */
  lines: number[];
}

/** Header + rows, each row ended by `eol`; reports where every data row starts. */
export function csvText(header: string[], rows: string[][], options: { delimiter?: string; eol?: string } = {}): CsvText {
  const delimiter = options.delimiter ?? ',';
  const eol = options.eol ?? '\n';
  const lines: number[] = [];
  let line = 1;
  const out: string[] = [];
  for (const row of [header, ...rows]) {
    const text = row.map((cell) => csvCell(cell, delimiter)).join(delimiter);
    if (out.length > 0) lines.push(line);
    out.push(text + eol);
    line += countBreaks(text) + 1;
  }
  return { text: out.join(''), lines };
}

function countBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) n++;
    else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) n++;
  }
  return n;
}
