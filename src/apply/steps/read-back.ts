import { requireWrittenAsPatch } from '../read-back.js';
import type { ApplyStep } from './apply-run.js';

/** Before COMMIT, every row written is read back and must hold exactly what the file says (a trigger may have changed it). */
export const readBack: ApplyStep = {
  name: 'Reads back what it wrote',
  async run(run) {
    await requireWrittenAsPatch(run.client, run.catalog, run.statements, run.file, run.database, run.drift.current);
    run.lap('read back', run.writtenRows());
    return 'next';
  },
};
