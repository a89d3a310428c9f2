import { tableKey } from '../../db/catalog.js';
import { SafetyRefusal } from '../../errors.js';
import type { StatementEntry } from '../../patch/manifest.js';
import { readPatchStatements, type PatchStatement } from '../patch-statements.js';
import type { ApplyStep, Work } from './apply-run.js';

/**
 * Every statement parsed by PostgreSQL's own parser and one of the forms salvage writes
 * (patch-statements.ts), each paired with the manifest entry that counts its rows.
 */
export const allowedStatements: ApplyStep = {
  name: 'Allows only what salvage writes',
  async run(run) {
    const { verified, file, which } = run;
    const checking = run.progress.stage(`check ${which === 'patch' ? 'patch' : 'undo'}.sql`, verified.sql.size, 'bytes');
    run.statements = await readPatchStatements(verified.sql, file, which, (bytes) => checking.add(bytes));
    checking.end();
    const entries = which === 'patch' ? verified.manifest.patch.statements : verified.manifest.undo.statements;
    run.work = pairWithManifest(run.statements, entries, file);
    run.lap('verify and parse patch', run.work.length);
    return 'next';
  },
};

/** Every data statement of the file, paired with the manifest entry that says how many rows it must touch. */
function pairWithManifest(statements: PatchStatement[], entries: StatementEntry[], file: string): Work[] {
  const data = statements.filter((s) => s.kind !== 'control');
  const mismatch = (why: string) =>
    new SafetyRefusal(`${file}: ${why}; the manifest does not describe this file. Nothing was written. Re-run "salvage patch".`);
  if (data.length !== entries.length) throw mismatch(`${data.length} statements, manifest lists ${entries.length}`);
  return data.map((statement, i) => {
    const entry = entries[i] as StatementEntry;
    const table = 'table' in statement ? tableKey(statement.table) : entry.table;
    const rowsInStatement = statement.kind === 'sequence' ? 1 : statement.kind === 'stage' ? 0 : statement.rows.length;
    if (entry.kind !== statement.kind || entry.table !== table || entry.expectedRows !== rowsInStatement || entry.startLine !== statement.line) {
      throw mismatch(`statement at line ${statement.line} is a ${statement.kind} of ${rowsInStatement} row(s) on ${table}, manifest entry ${i + 1} says ${entry.kind} of ${entry.expectedRows} on ${entry.table} at line ${entry.startLine}`);
    }
    return { statement, entry };
  });
}
