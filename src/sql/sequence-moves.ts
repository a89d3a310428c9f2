import { quoteQualified, type QualifiedName } from './identifier.js';

/**
 * Whether a sequence move can succeed, asked before the first one runs: setval()
 * is not undone by a rollback, so nothing that can fail may come after it.
 * $1 is the sequence's quoted, qualified name.
 */
export const SEQUENCE_MOVE_CHECK = `SELECT has_sequence_privilege($1::regclass, 'UPDATE') AS can_update,
  s.seqmin::text AS min_value, s.seqmax::text AS max_value
  FROM pg_sequence s WHERE s.seqrelid = $1::regclass`;

export function sequenceParameter(sequence: QualifiedName): string {
  return quoteQualified(sequence);
}

/** Deferred constraints are checked at COMMIT, after the sequence moves; this checks them now. */
export const CHECK_DEFERRED_CONSTRAINTS = 'SET CONSTRAINTS ALL IMMEDIATE';
