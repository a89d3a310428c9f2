import type { FieldPath } from '../path.js';

/** Why a rule (or a part of it) has no SQL form: said by `salvage check` as "worker: <reason>". */
export interface Refusal {
  reason: string;
}

export function isRefusal(x: unknown): x is Refusal {
  return typeof x === 'object' && x !== null && 'reason' in x;
}

/**
 * readPath finds an array's own properties by name (`length`, `"0"`); jsonb's `->` does
 * not. Such a path stays in the worker.
 */
export function arrayOwnSegment(path: FieldPath): Refusal | undefined {
  const odd = path.segments.find((s) => typeof s === 'string' && (s === 'length' || /^\d+$/.test(s)));
  return odd === undefined ? undefined : { reason: `path ${path.text}: the segment "${String(odd)}" may name an array's own property` };
}
