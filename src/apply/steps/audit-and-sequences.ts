import type { StatementEntry } from '../../patch/manifest.js';
import { recordAction } from '../applied-history.js';
import type { ApplyResult } from '../apply-options.js';
import { runCounted } from '../counted-statement.js';
import type { PatchStatement } from '../patch-statements.js';
import { checkBeforeSequenceMoves } from '../sequence-moves.js';
import type { ApplyStep } from './apply-run.js';

/**
 * setval() survives a rollback: the moves run last, once nothing else can fail (a dry run
 * never runs them). The audit row records the moves' counts before they run: a failed
 * insert must not follow a setval.
 */
export const auditAndSequences: ApplyStep = {
  name: 'Audits, then moves sequences',
  async run(run) {
    const moves = run.work.filter((w) => w.statement.kind === 'sequence');
    await checkBeforeSequenceMoves(run.client, moves.map((w) => w.statement as Extract<PatchStatement, { kind: 'sequence' }>), run.file);
    if (!run.options.dryRun) {
      await recordAction(run.client, run.verified.manifest, run.which === 'patch' ? 'apply' : 'undo', run.options.actor, withExpectedMoves(run.rows, moves));
      for (const w of moves) await runCounted(run, w);
    }
    run.writing?.end();
    run.lap('sequences and history', moves.length);
    return 'next';
  },
};

/** The counts as they will be once the sequence moves ran, each touching the one row its manifest entry expects. */
function withExpectedMoves(rows: ApplyResult['rows'], moves: Array<{ entry: StatementEntry }>): ApplyResult['rows'] {
  const all = structuredClone(rows);
  for (const { entry } of moves) {
    const perTable = (all[entry.table] ??= {});
    perTable[entry.kind] = (perTable[entry.kind] ?? 0) + entry.expectedRows;
  }
  return all;
}
