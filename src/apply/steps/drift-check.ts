import { PreconditionFailed } from '../../errors.js';
import { checkDrift } from '../drift.js';
import { driftAdvice } from '../drift-advice.js';
import { runCounted } from '../counted-statement.js';
import type { ApplyStep } from './apply-run.js';

const MAX_DRIFTS_SHOWN = 20;

/**
 * Every row the file changes still as reviewed (locked until COMMIT), every row it inserts
 * still absent. The file's staging tables are filled first (temporary tables only, each
 * COPY counted like any statement), so that rows staged by the hundred thousand are
 * checked by one join each instead of being sent back to the server in pieces.
 */
export const driftCheck: ApplyStep = {
  name: 'Checks for drift, under row locks',
  async run(run) {
    const { which, database } = run;
    let staged = 0;
    for (const w of run.work) {
      if (w.statement.kind !== 'stage' && w.statement.kind !== 'copy') continue;
      await runCounted(run, w);
      run.ran.add(w);
      staged += w.entry.expectedRows;
    }
    run.lap('fill staging tables', staged);
    const drift = await checkDrift(run.client, run.catalog, run.statements, run.file);
    run.drift = drift;
    run.lap('drift check', drift.current.length);
    if (drift.drifts.length) {
      const shown = drift.drifts.slice(0, MAX_DRIFTS_SHOWN).map((d) => `  ${d}`);
      const more = drift.drifts.length > MAX_DRIFTS_SHOWN ? [`  ... and ${drift.drifts.length - MAX_DRIFTS_SHOWN} more`] : [];
      throw new PreconditionFailed(
        [`${drift.drifts.length} row(s) of ${database} changed since the ${which === 'patch' ? 'changeset was made' : 'patch was applied'} (nothing was written):`, ...shown, ...more, driftAdvice(which)].join('\n'),
      );
    }
    return 'next';
  },
};
