import { CREATE_KEY_MAP } from '../../sql/key-map.js';
import type { ApplyStep } from './apply-run.js';

/** Keys the target makes at apply time go into salvage's key map, created in this transaction. */
export const keyMap: ApplyStep = {
  name: 'Keeps the keys the target makes',
  async run(run) {
    if (run.statements.some((st) => st.kind === 'keys' || (st.kind === 'keyed-insert' && st.newKeys))) for (const ddl of CREATE_KEY_MAP) await run.client.query(ddl);
    run.lap('lock and privileges', 0);
    return 'next';
  },
};
