import type { ApplyStep } from './apply-run.js';
import { allowedStatements } from './allowed-statements.js';
import { auditAndSequences } from './audit-and-sequences.js';
import { commit } from './commit.js';
import { confirmation } from './confirmation.js';
import { countedWrites } from './counted-writes.js';
import { driftCheck } from './drift-check.js';
import { keyMap } from './key-map.js';
import { nothingToDo } from './nothing-to-do.js';
import { ownHistory } from './own-history.js';
import { readBack } from './read-back.js';
import { reviewedChangeset } from './reviewed-changeset.js';
import { reviewedFiles } from './reviewed-files.js';
import { safetyCopy } from './safety-copy.js';
import { targetIdentity } from './target-identity.js';
import { transactionAndLock } from './transaction-and-lock.js';
import { warnings } from './warnings.js';

/**
 * What apply and undo do, in order: the one place the order is decided. The README's
 * "Applying a patch" and docs/apply-guards.md list these names in this order, and
 * test/apply/steps.test.ts holds them to it.
 */
export const APPLY_STEPS: readonly ApplyStep[] = [
  reviewedFiles,
  reviewedChangeset,
  allowedStatements,
  targetIdentity,
  nothingToDo,
  confirmation,
  transactionAndLock,
  ownHistory,
  warnings,
  keyMap,
  driftCheck,
  safetyCopy,
  countedWrites,
  readBack,
  auditAndSequences,
  commit,
];
