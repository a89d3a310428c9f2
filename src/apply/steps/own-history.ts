import { APPLY_ROLLBACK } from '../../sql/apply-session.js';
import { secureAuditObjects } from '../audit-objects.js';
import { alreadyDone } from '../history-check.js';
import type { ApplyStep } from './apply-run.js';

/**
 * Before the history is read or anything is written: a planted history could lie, or run
 * code. Then the history is read again under the lock, for an apply that committed since.
 */
export const ownHistory: ApplyStep = {
  name: 'Trusts only its own history',
  async run(run) {
    const { client, database } = run;
    await secureAuditObjects(client, database);
    run.alreadyDone = await alreadyDone(client, run.verified.manifest, run.which, database);
    if (!run.alreadyDone) return 'next';
    await client.query(APPLY_ROLLBACK);
    run.inTransaction = false;
    return 'stop';
  },
};
