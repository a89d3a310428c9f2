import { requireReviewedPatch } from '../reviewed-changeset.js';
import type { ApplyStep } from './apply-run.js';

/** The patch is exactly what the reviewed changeset and decisions derive to (an undo runs as recorded instead). */
export const reviewedChangeset: ApplyStep = {
  name: 'Runs only the reviewed changeset',
  async run(run) {
    if (run.which === 'patch' && run.options.reviewed) await requireReviewedPatch(run.verified.manifest, run.options.reviewed);
    return 'next';
  },
};
