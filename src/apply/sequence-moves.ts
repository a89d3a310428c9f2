import type pg from 'pg';
import { tableKey } from '../db/catalog.js';
import { PreconditionFailed } from '../errors.js';
import { CHECK_DEFERRED_CONSTRAINTS, SEQUENCE_MOVE_CHECK, sequenceParameter } from '../sql/sequence-moves.js';
import type { PatchStatement } from './patch-statements.js';

type SequenceMove = Extract<PatchStatement, { kind: 'sequence' }>;

const yes = (v: unknown) => v === true || v === 't' || v === 'true';

/**
 * setval() survives a rollback: a sequence moved by an apply that then fails stays
 * moved. So apply runs the moves last, after every other statement and the audit row,
 * and first asks everything that could still fail: the deferred constraints (checked
 * now instead of at COMMIT), the right to move each sequence, and its bounds.
 */
export async function checkBeforeSequenceMoves(client: pg.Client, moves: SequenceMove[], file: string): Promise<void> {
  try {
    await client.query(CHECK_DEFERRED_CONSTRAINTS);
  } catch (error) {
    throw new PreconditionFailed(
      `${file}: a deferred constraint of the target refused the patch's rows (${(error as Error).message}). ` +
        'Everything was rolled back; nothing was written, no sequence moved.',
    );
  }
  const problems: string[] = [];
  for (const move of moves) {
    const name = tableKey(move.sequence);
    const row = (await client.query<{ can_update: unknown; min_value: string; max_value: string }>(SEQUENCE_MOVE_CHECK, [sequenceParameter(move.sequence)])).rows[0];
    if (!row) {
      problems.push(`${file}:${move.line}: ${name} is not a sequence of the target`);
      continue;
    }
    if (!yes(row.can_update)) problems.push(`${file}:${move.line}: the role may not move ${name} (GRANT UPDATE ON SEQUENCE ${name})`);
    const value = BigInt(move.value);
    if (value < BigInt(row.min_value) || value > BigInt(row.max_value)) {
      problems.push(`${file}:${move.line}: ${name} cannot reach ${move.value} (its range is ${row.min_value} to ${row.max_value})`);
    }
  }
  if (problems.length) {
    throw new PreconditionFailed([`the patch's sequence moves cannot all run (everything was rolled back; nothing was written, no sequence moved):`, ...problems.map((p) => `  ${p}`)].join('\n'));
  }
}
