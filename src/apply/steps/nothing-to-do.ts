import { inspectAuditObjects } from '../audit-objects.js';
import { alreadyDone } from '../history-check.js';
import type { ApplyStep } from './apply-run.js';

/**
 * Said before the typed confirmation: nobody should type a database's name for a no-op.
 * (Checked again under the lock, for an apply that commits in between.) A history that is
 * not salvage's own is refused here, before anything reads it.
 */
export const nothingToDo: ApplyStep = {
  name: 'Says when there is nothing to do',
  async run(run) {
    const { client, database } = run;
    const complete = (await inspectAuditObjects(client, database)) === 'complete';
    run.alreadyDone = complete ? await alreadyDone(client, run.verified.manifest, run.which, database) : undefined;
    return run.alreadyDone ? 'stop' : 'next';
  },
};
