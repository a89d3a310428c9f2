import path from 'node:path';
import { writeSafetyCopy } from '../safety-copy.js';
import type { ApplyStep } from './apply-run.js';

/** The rows about to change, saved as restore.sql beside a copy of undo.sql (not for a dry run, which writes nothing). */
export const safetyCopy: ApplyStep = {
  name: 'Saves a safety copy',
  async run(run) {
    const { options, drift } = run;
    if (options.dryRun) return 'next';
    run.safetyCopy = await writeSafetyCopy(options.jobDir ?? path.dirname(options.patchDir), options.patchDir, run.which, drift, run.statements);
    run.log(`saved the current state of ${drift.current.length} row(s) to ${run.safetyCopy}`);
    run.lap('safety copy', drift.current.length);
    return 'next';
  },
};
