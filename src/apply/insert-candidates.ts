import type { CandidateRows } from '../db/unique-values.js';

/** The cells a statement inserts, row by row, in the order of its columns; `gives` says which cells give a value. */
interface Block {
  columns: string[];
  rows: readonly unknown[][];
  gives: (cell: unknown, column: string) => boolean;
  position: Map<string, number>;
}

/**
 * The rows a file inserts into one table, read in place from its statements for the
 * unique-value check: a million rows need no million objects. Row numbers run on from
 * one statement's rows to the next's.
 */
export class InsertCandidates implements CandidateRows {
  private readonly blocks: Block[] = [];
  private readonly starts: number[] = [];
  length = 0;

  /** Adds a statement's rows; a cell that `gives` rejects counts as giving nothing (a DEFAULT, a key map reference). */
  add(columns: string[], rows: readonly unknown[][], gives: (cell: unknown, column: string) => boolean): void {
    if (rows.length === 0) return;
    this.starts.push(this.length);
    this.blocks.push({ columns, rows, gives, position: new Map(columns.map((c, i) => [c, i])) });
    this.length += rows.length;
  }

  value(row: number, column: string): string | null {
    const { block, cells } = this.locate(row);
    const at = block.position.get(column);
    if (at === undefined) return null;
    const cell = cells[at];
    return block.gives(cell, column) ? ((cell as string | null | undefined) ?? null) : null;
  }

  /** The row as column -> value, only the columns it gives a value for, in the statement's column order. */
  row(row: number): Record<string, string | null> {
    const { block, cells } = this.locate(row);
    return Object.fromEntries(block.columns.flatMap((c, i) => (block.gives(cells[i], c) ? [[c, (cells[i] as string | null | undefined) ?? null]] : [])));
  }

  private locate(row: number): { block: Block; cells: unknown[] } {
    let b = this.blocks.length - 1;
    while (b > 0 && (this.starts[b] as number) > row) b--;
    const block = this.blocks[b] as Block;
    return { block, cells: block.rows[row - (this.starts[b] as number)] as unknown[] };
  }
}
