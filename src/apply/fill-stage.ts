import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { StatementEntry } from '../patch/manifest.js';
import { insertRows } from '../sql/dml.js';
import { STAGE_SCHEMA } from '../sql/staged.js';
import type { PatchStatement } from './patch-statements.js';
import { postgresRefusal } from './postgres-refusal.js';

type CopyStatement = Extract<PatchStatement, { kind: 'copy' }>;

/** Rows per VALUES statement where COPY cannot be used. */
const VALUES_CHUNK = 1000;

/**
 * Fills a staging table: its COPY statement with the data bytes exactly as checked,
 * or, where the connection cannot carry COPY data (the embedded database), the same
 * rows as VALUES lists into the same typed table: each value is read by the same
 * input function either way. Returns the number of rows.
 */
export async function fillStage(client: pg.Client, statement: CopyStatement, entry: StatementEntry, file: string, copyIn: boolean): Promise<number> {
  if (!copyIn) return fillWithValues(client, statement, entry, file);
  const stream = client.query(copyFrom(statement.text));
  try {
    stream.end(statement.data.read());
    await finished(stream);
    return stream.rowCount;
  } catch (error) {
    // PostgreSQL names the data line: "COPY salvage_rows_1, line 3, column amount: ...".
    const line = /, line (\d+)/.exec((error as pg.DatabaseError).where ?? '')?.[1];
    const where = line ? `${file}:${statement.dataLine + Number(line) - 1}` : `${file}:${statement.line}`;
    throw postgresRefusal(where, `this row for ${entry.table}`, error);
  }
}

async function fillWithValues(client: pg.Client, statement: CopyStatement, entry: StatementEntry, file: string): Promise<number> {
  const stage = { schema: STAGE_SCHEMA, name: statement.stage };
  let count = 0;
  const rows = [...statement.rows]; // decoded once from the COPY data, for this block only
  for (let start = 0; start < rows.length; start += VALUES_CHUNK) {
    const chunk = rows.slice(start, start + VALUES_CHUNK);
    try {
      count += (await client.query(insertRows(stage, statement.columns, chunk.map((values) => ({ values }))))).rowCount ?? 0;
    } catch (error) {
      const lines = `${statement.dataLine + start}-${statement.dataLine + start + chunk.length - 1}`;
      throw postgresRefusal(`${file}:${lines}`, `a row among these for ${entry.table}`, error);
    }
  }
  return count;
}
