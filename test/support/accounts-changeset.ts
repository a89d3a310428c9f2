import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { changesetOf } from './changeset.js';

/**
 * The one table the apply guard and integrity tests patch: public.accounts, keyed by a
 * bigserial id, and the changes to it those tests build their patches from.
 */
/** The evidence every accounts change cites. */
export const accountEvidence = [{ source: 's', record: 'r', ref: 'file://x.csv#L2', rule: 'accounts.yaml#r' }];

export function accountsChangeset(changes: Change[]): Changeset {
  return changesetOf(
    [
      {
        table: 'public.accounts',
        schema: 'public',
        name: 'accounts',
        primaryKey: ['id'],
        columns: { id: 'bigint', email: 'text', plan: 'text', note: 'text' },
        sequence: { schema: 'public', name: 'accounts_id_seq', column: 'id' },
        counts: { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 },
      },
    ],
    changes,
  );
}

export const insertAccount = (id: string, email: string, plan = 'pro'): Change => ({
  id: `public.accounts#${id}`,
  table: 'public.accounts',
  kind: 'insert',
  key: { id },
  values: { id, email, plan },
  evidence: { email: accountEvidence },
});

export const updatePlan = (id: string, from: string, to: string): Change => ({
  id: `public.accounts#${id}`,
  table: 'public.accounts',
  kind: 'update',
  key: { id },
  values: { plan: to },
  old: { plan: from },
  evidence: { plan: accountEvidence },
});

/** What each test drops before re-creating accounts: salvage's own audit schema too, so every apply starts as the first. */
export const DROP_ACCOUNTS = 'DROP SCHEMA IF EXISTS salvage CASCADE; DROP TABLE IF EXISTS accounts;';

/** A new account whose id the target makes at apply time (from accounts_id_seq): its change names it by `name`. */
export const newKeyAccount = (name: string, email: string, extra: { plan?: string; note?: string | null; noteRef?: string } = {}): Change => ({
  id: `public.accounts#${name}`,
  table: 'public.accounts',
  kind: 'insert',
  key: {},
  keyRefs: { id: `public.accounts#${name}`, ...(extra.noteRef !== undefined ? { note: `public.accounts#${extra.noteRef}` } : {}) },
  values: { email, plan: extra.plan ?? 'pro', ...(extra.note !== undefined ? { note: extra.note } : {}) },
  evidence: { email: accountEvidence },
});

/** Marks the changeset's accounts table as keyed by the target's own sequence, as reconcile does for a bigserial id no source proves. */
export function withAccountKeyGenerator(cs: Changeset): void {
  (cs.tables[0] as Changeset['tables'][number]).keyAtApply = { column: 'id', generator: { kind: 'sequence', schema: 'public', name: 'accounts_id_seq' } };
}
