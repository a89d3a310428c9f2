import type { Change } from '../changeset/changeset.js';

/** A record a row comes from, as the patch cites it: source, mapping rule, and the reference a human follows. */
export type Origin = readonly [source: string, rule: string, ref: string];

/**
 * What the patch writes of one accepted change: its values and keys, and where it comes
 * from, without the rest of its evidence (disagreements, confidence, the record behind
 * every column). A million of these, read back from a spill file, parse in a fraction
 * of the time their changes take.
 */
export interface PatchRow {
  id: string;
  key: Record<string, string>;
  values: Record<string, string | null>;
  old?: Record<string, string | null>;
  keyRefs?: Record<string, string>;
  /** Each distinct origin the change cites, in order of first appearance (columns in order, then entries). */
  origins: Origin[];
}

/** The row of an accepted change (a settled conflict as the insert or update it became). */
export function patchRowOf(change: Change): PatchRow {
  const origins: Origin[] = [];
  // A row cites a record or two, once per column: a scan of those few is quicker than a set
  // of keys, which takes over for a row citing many (so that no row costs quadratic time).
  let seen: Set<string> | undefined;
  const keyOf = (o: Origin) => `${o[0].length}:${o[0]}${o[1].length}:${o[1]}${o[2]}`;
  for (const list of Object.values(change.evidence)) {
    for (const e of list) {
      const origin: Origin = [e.source, e.rule, e.ref];
      if (seen === undefined && origins.length >= 16) seen = new Set(origins.map(keyOf));
      if (seen === undefined ? origins.some((o) => o[0] === e.source && o[1] === e.rule && o[2] === e.ref) : seen.has(keyOf(origin))) continue;
      seen?.add(keyOf(origin));
      origins.push(origin);
    }
  }
  return {
    id: change.id,
    key: change.key,
    values: change.values,
    ...(change.old !== undefined ? { old: change.old } : {}),
    ...(change.keyRefs !== undefined ? { keyRefs: change.keyRefs } : {}),
    origins,
  };
}

/** A source and mapping rule a row comes from: what a staged block's comment counts rows by. */
export type SourceRule = readonly [source: string, rule: string];

/** The distinct sources and rules of a row's origins, in order of first appearance. */
export function sourceRulesOf(origins: readonly Origin[]): SourceRule[] {
  const pairs: SourceRule[] = [];
  for (const [source, rule] of origins) if (!pairs.some((p) => p[0] === source && p[1] === rule)) pairs.push([source, rule]);
  return pairs;
}

/** Whether a row has a column written through the key map. */
export function isKeyed(row: Pick<PatchRow, 'keyRefs'>): boolean {
  return row.keyRefs !== undefined && Object.keys(row.keyRefs).length > 0;
}
