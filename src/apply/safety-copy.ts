import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableKey } from '../db/catalog.js';
import type { CatalogTable } from '../db/catalog-types.js';
import { DEFAULT_LAYOUT } from '../patch/patch.js';
import { guardedUpdate, keyedStageColumns, PATCH_BEGIN, PATCH_COMMIT, PATCH_SETTINGS, setUpdate, sqlComment, type TypedColumn } from '../sql/dml.js';
import { copyBlock, createStage, stageTable } from '../sql/staged.js';
import type { DriftReport } from './drift.js';
import type { PatchStatement } from './patch-statements.js';
import { reinsertDeleted, splitDeleted } from './restore-deleted.js';
import type { Row } from './rows-by-key.js';
import { safetyCopyDir } from '../runtime/job-paths.js';

/**
 * Before the transaction commits, the current state of every row the patch
 * changes goes to <job>/pre-apply/<time>/: restore.sql (INSERTs bringing back each
 * row undo deletes, UPDATEs putting each other row back exactly as it was) and a copy of undo.sql. Rows the patch inserts did not
 * exist (the drift check proved it), so undo.sql covers them. Like the patch, a
 * table with many rows to restore is staged: its rows are COPY data, and one UPDATE
 * puts them all back. `psql -f restore.sql` runs either form.
 */
export async function writeSafetyCopy(jobDir: string, patchDir: string, which: 'patch' | 'undo', drift: DriftReport, statements: PatchStatement[] = []): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = safetyCopyDir(jobDir, stamp, which);
  await mkdir(dir, { recursive: true });
  const lines = [
    sqlComment(`rows as they were in the target right before salvage ${which === 'patch' ? 'apply' : 'undo'} (${new Date().toISOString()})`),
    sqlComment('running this file puts every changed row back exactly as it was'),
    PATCH_BEGIN,
    ...PATCH_SETTINGS,
  ];
  // Rows that undo deletes go back as INSERTs; an UPDATE would find nothing to update.
  const { deleted, kept } = splitDeleted(drift.current, statements);
  lines.push(...reinsertDeleted(deleted));
  let stages = 0;
  for (const { table, rows } of byTable(kept)) {
    const key = table.primaryKey;
    const set = table.columns.filter((c) => !c.generated && !key.includes(c.name));
    if (rows.length > DEFAULT_LAYOUT.stageAbove && set.length > 0) {
      const typed = (names: string[]): TypedColumn[] => names.map((name) => ({ name, type: table.columns.find((c) => c.name === name)?.type ?? 'text' }));
      const stage = stageTable(++stages);
      const keyTyped = typed(key);
      const setTyped = typed(set.map((c) => c.name));
      lines.push(sqlComment(`${tableKey(table)}: ${rows.length} rows, staged in ${stage.name}`));
      lines.push(createStage(stage, table, keyedStageColumns(keyTyped, setTyped, [])));
      lines.push(copyBlock(stage, keyedStageColumns(keyTyped, setTyped, []).map((c) => c.name), rows.map((row) => [...key, ...set.map((c) => c.name)].map((c) => row[c] ?? null))));
      lines.push(setUpdate(table, keyTyped, setTyped, [], { stage }));
      continue;
    }
    for (const row of rows) {
      const keyPairs = key.map((c) => [c, row[c] ?? null] as const);
      const values = set.map((c) => [c.name, row[c.name] ?? null] as const);
      lines.push(sqlComment(`${tableKey(table)} ${keyPairs.map(([c, v]) => `${c}=${v}`).join(',')}`));
      if (values.length) lines.push(guardedUpdate(table, keyPairs, values, []));
    }
  }
  lines.push(PATCH_COMMIT, '');
  const restore = path.join(dir, 'restore.sql');
  await writeFile(restore, lines.join('\n'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    // A failed write() names no file: the message must say which one the disk refused.
    error.path ??= restore;
    throw error;
  });
  await copyFile(path.join(patchDir, 'undo.sql'), path.join(dir, 'undo.sql'));
  return dir;
}

function byTable(current: DriftReport['current']): Array<{ table: CatalogTable; rows: Row[] }> {
  const groups = new Map<CatalogTable, Row[]>();
  for (const { table, row } of current) {
    const rows = groups.get(table);
    if (rows) rows.push(row);
    else groups.set(table, [row]);
  }
  return [...groups].map(([table, rows]) => ({ table, rows }));
}
