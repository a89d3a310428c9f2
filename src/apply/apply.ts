import type { ApplyOptions, ApplyResult } from './apply-options.js';
import { ApplyRun } from './steps/apply-run.js';
import { APPLY_STEPS } from './steps/order.js';

export type { ApplyOptions, ApplyResult } from './apply-options.js';

/**
 * The only writer. A verified patch, checked statement by statement against the
 * forms salvage writes, runs in one transaction on the target under an advisory
 * lock, after a drift check, with every row count checked against the manifest;
 * it commits (with an audit row) only if everything matches. The steps, each in
 * its own file, run in the order of steps/order.ts until one ends the run.
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const run = new ApplyRun(options);
  try {
    for (const step of APPLY_STEPS) if ((await step.run(run)) === 'stop') break;
    return run.result();
  } catch (error) {
    throw await run.failed(error);
  } finally {
    await run.close();
  }
}
