import type { CatalogColumn } from '../db/catalog-types.js';
import type { MergePolicy } from '../mapping/types.js';
import type { Alternative, Disagreement, Evidence } from '../changeset/changeset.js';
import { compareTexts, comparisonKey } from '../values/normalize.js';

/** One candidate's claim about one column, already in the column's text form. */
export interface Claim {
  value: string;
  evidence: Evidence;
  /** The record's last write time (ISO), for latest/earliest. */
  time: string;
}

export type MergeOutcome =
  | { kind: 'agreed'; value: string; evidence: Evidence[] }
  | { kind: 'resolved'; value: string; evidence: Evidence[]; disagreement: Disagreement }
  | { kind: 'conflict'; alternatives: Alternative[] };

interface Group {
  value: string;
  evidence: Evidence[];
  latest: string;
  earliest: string;
}

/**
 * Merges what several records say about one column of one row. Equal values
 * (by PostgreSQL's notion of equality) agree; different values are settled by
 * the column's policy, and the disagreement is kept for the reviewer. With no
 * policy, or a tie the policy cannot break, the column is a conflict.
 */
export function mergeClaims(column: CatalogColumn, claims: Claim[], policy: MergePolicy | undefined): MergeOutcome {
  const groups = new Map<string, Group>();
  for (const claim of claims) {
    const key = comparisonKey(column, claim.value);
    const g = groups.get(key);
    if (g) {
      g.evidence.push(claim.evidence);
      if (claim.time > g.latest) g.latest = claim.time;
      if (claim.time < g.earliest) g.earliest = claim.time;
    } else {
      groups.set(key, { value: claim.value, evidence: [claim.evidence], latest: claim.time, earliest: claim.time });
    }
  }
  const all = [...groups.values()];
  if (all.length === 1) {
    const only = all[0] as Group;
    return { kind: 'agreed', value: only.value, evidence: only.evidence };
  }
  const alternatives = all.map((g) => ({ value: g.value, evidence: g.evidence }));
  const winner = policy ? pickWinner(column, all, policy) : undefined;
  if (!winner) return { kind: 'conflict', alternatives };
  return {
    kind: 'resolved',
    value: winner.group.value,
    evidence: winner.group.evidence,
    disagreement: { chosen: winner.group.value, by: winner.by, alternatives },
  };
}

function pickWinner(column: CatalogColumn, groups: Group[], policy: MergePolicy): { group: Group; by: string } | undefined {
  switch (policy.kind) {
    case 'prefer': {
      const rank = (g: Group) => Math.min(...g.evidence.map((e) => indexOrInfinity(policy.sources, e.source)));
      return unique(groups, (a, b) => rank(a) - rank(b), (g) => Number.isFinite(rank(g)), `prefer: ${policy.sources.join(' > ')}`);
    }
    case 'latest':
      return unique(groups, (a, b) => (a.latest > b.latest ? -1 : a.latest < b.latest ? 1 : 0), () => true, 'latest record wins');
    case 'earliest':
      return unique(groups, (a, b) => (a.earliest < b.earliest ? -1 : a.earliest > b.earliest ? 1 : 0), () => true, 'earliest record wins');
    case 'max':
      return unique(groups, (a, b) => compareTexts(column, b.value, a.value), () => true, 'largest value wins');
    case 'min':
      return unique(groups, (a, b) => compareTexts(column, a.value, b.value), () => true, 'smallest value wins');
  }
}

/** The single best group under `order`, or undefined when the best is tied or not eligible. */
function unique(
  groups: Group[],
  order: (a: Group, b: Group) => number,
  eligible: (g: Group) => boolean,
  by: string,
): { group: Group; by: string } | undefined {
  const sorted = [...groups].sort(order);
  const [first, second] = sorted;
  if (!first || !eligible(first)) return undefined;
  if (second && order(first, second) === 0) return undefined;
  return { group: first, by };
}

function indexOrInfinity(list: string[], item: string): number {
  const i = list.indexOf(item);
  return i < 0 ? Number.POSITIVE_INFINITY : i;
}
