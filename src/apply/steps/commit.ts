import { APPLY_COMMIT, APPLY_ROLLBACK } from '../../sql/apply-session.js';
import type { ApplyStep } from './apply-run.js';

/** Only now, with every step above passed, does anything become visible; a dry run rolls back instead. */
export const commit: ApplyStep = {
  name: 'Commits only if all of it held',
  async run(run) {
    if (run.options.dryRun) {
      await run.client.query(APPLY_ROLLBACK);
      run.inTransaction = false;
      return 'stop';
    }
    await run.client.query(APPLY_COMMIT);
    run.inTransaction = false;
    run.committed = true;
    run.lap('commit', 0);
    return 'stop';
  },
};
