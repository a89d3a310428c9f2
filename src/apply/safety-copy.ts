import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableKey } from '../db/catalog.js';
import { guardedUpdate, PATCH_BEGIN, PATCH_COMMIT, sqlComment } from '../sql/dml.js';
import type { DriftReport } from './drift.js';

/**
 * Before the transaction commits, the current state of every row the patch
 * changes goes to <job>/pre-apply/<time>/: restore.sql (UPDATEs putting each row
 * back exactly as it was) and a copy of undo.sql. Rows the patch inserts did not
 * exist (the drift check proved it), so undo.sql covers them.
 */
export async function writeSafetyCopy(jobDir: string, patchDir: string, which: 'patch' | 'undo', drift: DriftReport): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(jobDir, 'pre-apply', `${stamp}-${which}`);
  await mkdir(dir, { recursive: true });
  const lines = [
    sqlComment(`rows as they were in the target right before salvage ${which === 'patch' ? 'apply' : 'undo'} (${new Date().toISOString()})`),
    sqlComment('running this file puts every changed row back exactly as it was'),
    PATCH_BEGIN,
  ];
  for (const { table, key, row } of drift.current) {
    const keyPairs = Object.entries(key).map(([c, v]) => [c, v] as const);
    const set = Object.entries(row)
      .filter(([c]) => !(c in key))
      .map(([c, v]) => [c, v] as const);
    lines.push(sqlComment(`${tableKey(table)} ${keyPairs.map(([c, v]) => `${c}=${v}`).join(',')}`));
    if (set.length) lines.push(guardedUpdate(table, keyPairs, set, []));
  }
  lines.push(PATCH_COMMIT, '');
  await writeFile(path.join(dir, 'restore.sql'), lines.join('\n'), 'utf8');
  await copyFile(path.join(patchDir, 'undo.sql'), path.join(dir, 'undo.sql'));
  return dir;
}
