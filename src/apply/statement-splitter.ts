import { memoryCheckpoint } from '../runtime/memory.js';
import type { ByteSource } from './byte-source.js';
import { nodeOf, type Node } from './parse-node.js';

/**
 * Cuts a patch file into statements for libpg_query, and COPY data away from them:
 * the data after `COPY ... FROM STDIN;` is not SQL and is never given to the parser.
 */
export interface ParsedStatement {
  stmt?: Node;
  /** Byte offsets in the whole file. */
  stmt_location: number;
  stmt_len: number;
  /** For COPY ... FROM STDIN: its data lines, each ending in a newline, without the `\\.` line. */
  data?: { start: number; end: number };
}

/**
 * Parses the file a statement at a time. One parse tree of a whole patch is about ten
 * times its size (gigabytes for a million-row recovery); a statement's is bounded.
 * A piece ends after a `;` at the end of a line. Where that `;` is inside a literal or
 * a comment, the piece does not parse and is extended (by 1, 2, 4... more pieces, so a
 * real syntax error costs at most twice a whole-file parse; never past a COPY line
 * untried, whose data is not SQL). A piece that parses ends
 * where PostgreSQL's own lexer ends a statement, so each statement is exactly the text
 * that is checked and later run. Statements come out as they are parsed, so the caller
 * can release the bytes behind them (byte-source.ts).
 */
/**
 * libpg_query, loaded at the first parse. Importing it starts its WebAssembly module,
 * which reserves over a hundred megabytes at once: every command that imports apply's
 * modules (the CLI imports them all) paid that in resident memory, reconcile and patch
 * included, though only apply and doctor parse SQL.
 */
let parser: Promise<typeof import('libpg-query')> | undefined;
const parse = async (sql: string) => (await (parser ??= import('libpg-query'))).parse(sql);

export async function* parseByStatement(bytes: ByteSource, onParsed?: (bytes: number) => void): AsyncGenerator<ParsedStatement> {
  let start = 0;
  outer: while (start < bytes.length) {
    let step = 1;
    let end = boundaryAfter(bytes, start, 1);
    for (;;) {
      const piece = bytes.subarray(start, end).toString('utf8');
      if (piece.trim() === '') break;
      memoryCheckpoint(1000); // a piece is up to a thousand rows, and its parse tree is large
      let parsed: ParsedStatement[];
      try {
        const result = await parse(piece);
        parsed = (result.stmts ?? []).map((s) => {
          const at = s.stmt_location ?? 0;
          return { stmt: s.stmt, stmt_location: start + at, stmt_len: s.stmt_len || end - start - at };
        });
      } catch (error) {
        if (end >= bytes.length) throw error;
        // Extend by 1, 2, 4... more pieces, but stop first at a line that starts a COPY:
        // going past it unparsed would take its data for SQL.
        const further = boundaryAfter(bytes, end, step);
        step *= 2;
        end = copyLineEnd(bytes, end, further) ?? further;
        continue;
      }
      const last = parsed.at(-1);
      if (parsed.some((p) => p !== last && readsStdin(p.stmt))) throw new Error('COPY ... FROM STDIN must be the last statement before its data');
      if (last && readsStdin(last.stmt)) {
        // The data starts on the line after `FROM STDIN;` and ends at a line `\.`.
        const close = last.stmt_location + last.stmt_len;
        if (bytes.subarray(close, close + 2).toString('latin1') !== ';\n' || close + 2 !== end) throw new Error('COPY data must start on the line after its COPY statement');
        const marker = bytes.indexOf(COPY_END_LINE, end - 1);
        if (marker < 0) throw new Error('COPY data has no end line \\.');
        last.data = { start: end, end: marker + 1 };
        yield* parsed;
        onParsed?.(marker + COPY_END_LINE.length - start);
        start = marker + COPY_END_LINE.length;
        continue outer;
      }
      yield* parsed;
      break;
    }
    onParsed?.(end - start);
    start = end;
  }
}

/** `\n\\.\n`: the line that ends COPY data (text format escapes every backslash in a value, so no data line can be it). */
const COPY_END_LINE = Buffer.from('\n\\.\n', 'latin1');

function readsStdin(stmt: Node | undefined): boolean {
  const copy = nodeOf(stmt, 'CopyStmt');
  return copy !== undefined && copy.is_from === true && copy.filename === undefined && copy.is_program === undefined;
}

/** Just after the first line in (from, to] that starts with `COPY ` and ends with `;`, if any. */
function copyLineEnd(bytes: ByteSource, from: number, to: number): number | undefined {
  for (let at = bytes.indexOf(COPY_LINE_START, from - 1); at >= 0 && at < to; at = bytes.indexOf(COPY_LINE_START, at + 1)) {
    const lineEnd = bytes.indexOf(10, at + 1);
    if (lineEnd < 0 || lineEnd >= to) return undefined;
    if (bytes.at(lineEnd - 1) === 0x3b) return lineEnd + 1;
  }
  return undefined;
}

const COPY_LINE_START = Buffer.from('\nCOPY ', 'latin1');
const STATEMENT_END = Buffer.from(';\n', 'latin1');

/** The byte offset just after the `count`-th `;` + newline from `from`, or the end. */
function boundaryAfter(bytes: ByteSource, from: number, count: number): number {
  let at = from;
  for (let i = 0; i < count; i++) {
    const next = bytes.indexOf(STATEMENT_END, at);
    if (next < 0) return bytes.length;
    at = next + 2;
  }
  return at;
}
