import { CHANGESET_FORMAT, type Change, type Changeset, type TableSummary } from '../../src/changeset/changeset.js';

/** A changeset of these tables and changes, with the fixed header the patch and apply tests share. */
export function changesetOf(tables: TableSummary[], changes: Change[], sources: Changeset['sources'] = []): Changeset {
  return {
    format: CHANGESET_FORMAT,
    createdAt: '2026-05-01T00:00:00Z',
    window: { from: '2026-01-20T00:00:00Z', to: '2026-04-25T09:00:00Z', since: '2026-01-19T00:00:00Z' },
    backup: { database: 'backup', describe: 'x' },
    tables,
    sources,
    changes,
    unmapped: [],
    failures: { count: 0, samples: [] },
  };
}
