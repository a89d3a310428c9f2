import type { Constant } from './parse-tree.js';

/**
 * COPY data as salvage writes it (src/sql/staged.ts), read back: PostgreSQL's text
 * format with only the escapes salvage uses. Anything else (octal or hex bytes,
 * `\b`, a raw carriage return) is refused: apply only runs what salvage writes.
 */
export function decodeCopyLine(line: string): Constant[] | string {
  if (line.includes('\r')) return 'a raw carriage return (salvage writes it as \\r)';
  if (line.includes('\u0000')) return 'a NUL byte';
  const fields = line.split('\t');
  const out: Constant[] = new Array<Constant>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    if (field.indexOf('\\') < 0) {
      out[i] = field;
    } else if (field === '\\N') {
      out[i] = null;
    } else {
      let bad: string | undefined;
      const value = field.replace(/\\(.?)/g, (_, c: string) => {
        const decoded = UNESCAPE[c];
        if (decoded === undefined) bad ??= c === '' ? 'a backslash at the end of a line' : `the escape \\${c}`;
        return decoded ?? '';
      });
      if (bad !== undefined) return `${bad} in column ${i + 1} (salvage writes only \\\\, \\t, \\n, \\r and \\N)`;
      out[i] = value;
    }
  }
  return out;
}

const UNESCAPE: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };
