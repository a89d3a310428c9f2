/**
 * The checkpoint of a Stripe pull: per object kind, the `created` ranges whose
 * objects are all in the records file already.
 *
 * Ranges are the whole truth because a slice's objects are only ever written
 * together with the checkpoint that marks its range done: a re-run pulls exactly
 * the ranges that are missing (the window minus the done ranges), so nothing is
 * pulled twice and nothing is skipped, even if the window or the object list changed
 * in between.
 */
import { SourceInputError } from '../../src/records/connector.js';
import { mergeRanges, subtractRanges, type SecondRange } from './slices.js';

export interface StripePullState {
  version: 1;
  /** The connected account pulled, or null for the key's own account. */
  account: string | null;
  /** Per kind name: sorted, merged `[gte, lt)` ranges already written. */
  done: Record<string, [number, number][]>;
}

export class PullLedger {
  private readonly done = new Map<string, SecondRange[]>();

  constructor(
    private readonly account: string | null,
    resumed?: StripePullState,
  ) {
    for (const [kind, ranges] of Object.entries(resumed?.done ?? {})) this.done.set(kind, mergeRanges(ranges));
  }

  /** The parts of `range` still to pull for `kind`. */
  missing(kind: string, range: SecondRange): SecondRange[] {
    return subtractRanges(range, this.done.get(kind) ?? []);
  }

  markDone(kind: string, gte: number, lt: number): void {
    this.done.set(kind, mergeRanges([...(this.done.get(kind) ?? []), [gte, lt]]));
  }

  snapshot(): StripePullState {
    const done: Record<string, [number, number][]> = {};
    for (const [kind, ranges] of this.done) done[kind] = ranges.map(([gte, lt]) => [gte, lt]);
    return { version: 1, account: this.account, done };
  }
}

/**
 * Reads an interrupted pull's state. A state from another account cannot be resumed:
 * its records are already in the partial file and would mix two accounts.
 */
export function readResumeState(value: unknown, account: string | null, where: string): StripePullState | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPullState(value)) {
    throw new SourceInputError(
      'cannot resume: the interrupted pull left a checkpoint this Stripe connector does not understand. ' +
        'Delete this source\'s records/<source>.ndjson.partial and .checkpoint.json in the job directory to start over',
      where,
    );
  }
  if (value.account !== account) {
    throw new SourceInputError(
      `cannot resume: the interrupted pull was for ${value.account ? `connected account ${value.account}` : "the key's own account"}, ` +
        `this one is for ${account ? `connected account ${account}` : "the key's own account"}. ` +
        'Delete this source\'s records/<source>.ndjson.partial and .checkpoint.json in the job directory to start over',
      where,
    );
  }
  return value;
}

function isPullState(value: unknown): value is StripePullState {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (v.version !== 1 || !(v.account === null || typeof v.account === 'string')) return false;
  if (v.done === null || typeof v.done !== 'object' || Array.isArray(v.done)) return false;
  return Object.values(v.done as Record<string, unknown>).every(
    (ranges) =>
      Array.isArray(ranges) &&
      ranges.every(
        (range) =>
          Array.isArray(range) && range.length === 2 && Number.isInteger(range[0]) && Number.isInteger(range[1]),
      ),
  );
}
