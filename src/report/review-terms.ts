import type { Change, ChangeKind, UnrecoverableReason } from '../changeset/changeset.js';
import { formatCount } from '../runtime/format-count.js';

/**
 * Words the review reports (Markdown and HTML) share, so both say the same thing.
 * Order matters for a reviewer: what needs a decision first, then what changes rows
 * that exist, then new rows, then what will not be written at all.
 */
export const REVIEW_KIND_ORDER: readonly ChangeKind[] = ['conflict', 'update', 'insert', 'unrecoverable'];

const KIND_PLURAL: Record<ChangeKind, string> = {
  conflict: 'conflicts',
  update: 'updates',
  insert: 'inserts',
  unrecoverable: 'unrecoverable',
};

/** `1 conflict`, `2 conflicts`; with `more`: `151 more inserts`. */
export function countOfKind(count: number, kind: ChangeKind, more = false): string {
  return `${formatCount(count)}${more ? ' more' : ''} ${count === 1 ? kind : KIND_PLURAL[kind]}`;
}

/** What a reviewer should understand from each reason, in plain words. */
export const REASON_TEXT: Record<UnrecoverableReason, string> = {
  'missing-required': 'a required column no source carries',
  'missing-parent': 'its parent row cannot be found or rebuilt',
  'ambiguous-match': 'its keys point at two different existing rows',
  'invalid-value': 'a value the column cannot hold',
  'unknown-key': 'no key to write it under',
  'deleted-live': 'the live database deleted it after the restart',
};

export function reasonText(reason: UnrecoverableReason | undefined): string {
  return reason ? (REASON_TEXT[reason] ?? reason) : 'no reason recorded';
}

/** A confidence score as every report shows it: two decimals, as `diff`'s text does (0.8 is "0.80"). */
export function scoreText(score: number): string {
  return score.toFixed(2);
}

/** A key the target makes at apply time, as a reviewer reads it. */
export function keyRefText(change: Change, ref: string): string {
  return ref === change.id ? '(a new key, made by the target when the patch is applied)' : `(the key of ${ref}, made when the patch is applied)`;
}
