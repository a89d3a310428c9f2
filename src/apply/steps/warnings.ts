import { readCatalog } from '../../db/catalog.js';
import { checkPrivileges } from '../privileges.js';
import { warnAboutTriggers } from '../read-back.js';
import type { ApplyStep } from './apply-run.js';

/** Said before writing: rights the role has beyond what the patch needs, and code that runs when it writes. */
export const warnings: ApplyStep = {
  name: 'Warns about rights and triggers',
  async run(run) {
    const { client, statements, log } = run;
    run.catalog = await readCatalog(client);
    const privileges = await checkPrivileges(client, run.catalog, statements);
    run.privilegeWarnings = privileges.warnings;
    for (const warning of privileges.warnings) log(`warning: ${warning} (see "salvage doctor" for the grants of a role that can only do what the patch does)`);
    await warnAboutTriggers(client, statements, log);
    return 'next';
  },
};
