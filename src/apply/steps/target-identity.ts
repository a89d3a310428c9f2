import { connectDatabase } from '../../db/connect.js';
import { readDatabaseIdentity } from '../../db/identity.js';
import { SELECT_CURRENT_DATABASE } from '../../sql/apply-session.js';
import { refuseBackupAsTarget, refuseOtherTarget } from '../database-identity.js';
import type { ApplyStep } from './apply-run.js';

/**
 * Connects, and refuses the database reconcile read as the backup, and (for a patch) any
 * database but the target reconcile compared with, by identity rather than by URL.
 */
export const targetIdentity: ApplyStep = {
  name: 'Writes only into its target',
  async run(run) {
    const { options, which, verified } = run;
    run.db = await connectDatabase({ url: options.target.url, embeddedDir: options.target.embeddedDir, applicationName: `salvage ${which}` });
    const who = (await run.client.query<{ name: string; role: string }>(SELECT_CURRENT_DATABASE)).rows[0];
    run.database = who?.name ?? run.db.database;
    const identity = await readDatabaseIdentity(run.client, options.target.url === undefined ? options.target.embeddedDir : undefined);
    refuseBackupAsTarget(verified.manifest, identity, options.intoBackup ?? false);
    if (which === 'patch') refuseOtherTarget(verified.manifest, identity, options.allowOtherTarget ?? false);
    return 'next';
  },
};
