import type pg from 'pg';
import type { StatementEntry } from '../patch/manifest.js';
import type { PatchStatement } from './patch-statements.js';
import { postgresRefusal } from './postgres-refusal.js';

/** Runs one checked statement as written; a refusal names its file line and column. Returns its row count. */
export async function runStatement(client: pg.Client, statement: PatchStatement, entry: StatementEntry, file: string): Promise<number> {
  try {
    const result = await client.query(statement.text);
    return result.rowCount ?? 0;
  } catch (error) {
    const where = locate(statement.text, (error as pg.DatabaseError).position, statement.line);
    throw postgresRefusal(`${file}:${where.line}:${where.column}`, `this ${entry.kind} on ${entry.table}`, error);
  }
}

/** Maps PostgreSQL's 1-based character position inside a statement to file line:column. */
export function locate(statement: string, position: string | undefined, startLine: number): { line: number; column: number } {
  const offset = position ? Number(position) - 1 : 0;
  const before = [...statement].slice(0, Math.max(0, offset)).join('');
  const lines = before.split('\n');
  return { line: startLine + lines.length - 1, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}
