import { SafetyRefusal } from '../../errors.js';
import type { ApplyOptions } from '../apply-options.js';
import type { ApplyStep } from './apply-run.js';

/** Typed confirmation: the user (or the agent) must name the database that is about to be written. */
export const confirmation: ApplyStep = {
  name: 'Asks for the target by name',
  async run(run) {
    await confirmTarget(run.database, targetHost(run.options.target.url), run.options);
    return 'next';
  },
};

function targetHost(url: string | undefined): string {
  if (!url) return 'embedded';
  try {
    return new URL(url).hostname || 'localhost';
  } catch {
    return 'unknown';
  }
}

async function confirmTarget(database: string, host: string, options: ApplyOptions): Promise<void> {
  const expected = `${database}@${host}`;
  const fix = `pass --confirm ${database} (or --confirm ${expected})`;
  if (options.confirm !== undefined) {
    const [name, confirmHost] = options.confirm.split('@');
    if (name !== database || (confirmHost !== undefined && confirmHost !== host)) {
      throw new SafetyRefusal(`--confirm ${options.confirm} does not name the target, which is ${expected}. Nothing was written; ${fix}.`);
    }
    return;
  }
  if (!options.ask) {
    throw new SafetyRefusal(`refusing to write to ${expected} without confirmation in a non-interactive shell. Nothing was written; ${fix}.`);
  }
  const answer = (await options.ask(`Type the name of the target database (${database}) to ${options.dryRun ? 'dry-run' : 'apply'} the patch: `)).trim();
  if (answer !== database && answer !== expected) {
    throw new SafetyRefusal(`"${answer}" is not ${database}. Nothing was written.`);
  }
}
