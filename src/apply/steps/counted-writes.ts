import { writesRows } from '../../patch/manifest.js';
import { runCounted } from '../counted-statement.js';
import type { ApplyStep } from './apply-run.js';

/** Every statement but the sequence moves (they come last) and the staging tables the drift check filled, each with the row count the manifest expects. */
export const countedWrites: ApplyStep = {
  name: 'Counts every statement',
  async run(run) {
    run.writing = run.progress.stage('write rows', run.work.reduce((n, w) => n + (writesRows(w.entry.kind) ? w.entry.expectedRows : 0), 0));
    for (const w of run.work) if (w.statement.kind !== 'sequence' && !run.ran.has(w)) await runCounted(run, w);
    run.lap('write rows', run.writtenRows());
    return 'next';
  },
};
