import { readVerifiedPatch } from '../verify-patch.js';
import type { ApplyStep } from './apply-run.js';

/** patch.sql and undo.sql byte for byte as `salvage patch` wrote them (their sha256 in the manifest). */
export const reviewedFiles: ApplyStep = {
  name: 'Runs only the reviewed files',
  async run(run) {
    run.verified = await readVerifiedPatch(run.options.patchDir, run.which);
    return 'next';
  },
};
