import { PreconditionFailed } from '../errors.js';
import { countedKind, writesRows } from '../patch/manifest.js';
import { fillStage } from './fill-stage.js';
import { runStatement } from './run-statement.js';
import type { ApplyRun, Work } from './steps/apply-run.js';

/**
 * Runs one statement of the file and requires the row count its manifest entry expects;
 * any other count rolls everything back. The rows it wrote are added to the run's counts.
 */
export async function runCounted(run: ApplyRun, { statement, entry }: Work): Promise<void> {
  const { client, file } = run;
  // COPY FROM STDIN cannot cross the embedded database's socket: there the staged rows go in as VALUES.
  const copyIn = run.options.target.url !== undefined;
  const count = statement.kind === 'copy' ? await fillStage(client, statement, entry, file, copyIn) : await runStatement(client, statement, entry, file);
  if (count !== entry.expectedRows) {
    throw new PreconditionFailed(
      `${file}:${statement.line}: this ${entry.kind} on ${entry.table} touched ${count} row(s), the patch expects ${entry.expectedRows}. ` +
        'The target no longer looks like what the changeset saw. Everything was rolled back; nothing was written. ' +
        'Re-run reconcile and patch against the current state.',
    );
  }
  if (!writesRows(entry.kind)) return;
  const perTable = (run.rows[entry.table] ??= {});
  const kind = countedKind(entry.kind);
  perTable[kind] = (perTable[kind] ?? 0) + count;
  run.writing?.add(count);
}
