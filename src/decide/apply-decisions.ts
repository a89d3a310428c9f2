import type { Change, Changeset } from '../reconcile/changeset.js';
import { own } from '../reconcile/own.js';
import type { Choice, Decisions, Selector } from './schema.js';

export interface DecidedChangeset {
  /** Inserts and updates to write, conflicts already settled into them. */
  accepted: Change[];
  withheld: {
    /** Conflicts with a column nobody settled. */
    undecidedConflicts: number;
    rejected: number;
    /** In `default: review`, changes nobody accepted. */
    notAccepted: number;
    unrecoverable: number;
  };
  /** Decisions that name nothing in this changeset (e.g. after re-running reconcile), for the reviewer. */
  stale: string[];
  /** Resolutions that could not be used, and why. */
  problems: string[];
}

function matches(selector: Selector, change: Change): boolean {
  if (typeof selector === 'string') return selector === change.id;
  if ('table' in selector) return selector.table === change.table || `public.${selector.table}` === change.table;
  if ('rule' in selector) return Object.values(change.evidence).some((list) => list.some((e) => e.rule === selector.rule));
  return selector.kind === change.kind;
}

function describe(selector: Selector): string {
  return typeof selector === 'string' ? selector : JSON.stringify(selector);
}

/**
 * Applies the reviewers' decisions to a changeset. Pure: what the patch writes is
 * exactly this function's `accepted` list. A conflict becomes an insert or update
 * only when every conflicting column has a decision.
 */
export function applyDecisions(changeset: Changeset, decisions: Decisions): DecidedChangeset {
  const result: DecidedChangeset = { accepted: [], withheld: { undecidedConflicts: 0, rejected: 0, notAccepted: 0, unrecoverable: 0 }, stale: [], problems: [] };
  const used = new Set<Selector>();
  const usedResolutions = new Set<string>();
  const hit = (list: Selector[], change: Change) => {
    let any = false;
    for (const s of list) {
      if (matches(s, change)) {
        used.add(s);
        any = true;
      }
    }
    return any;
  };

  for (const change of changeset.changes) {
    if (change.kind === 'unrecoverable') {
      result.withheld.unrecoverable++;
      continue;
    }
    let decided: Change | undefined = change;
    if (change.kind === 'conflict') {
      const resolution = own(decisions.resolve, change.id);
      if (resolution) usedResolutions.add(change.id);
      decided = resolution ? settle(change, resolution, result.problems) : undefined;
      if (!decided) {
        result.withheld.undecidedConflicts++;
        continue;
      }
    }
    const accepted = hit(decisions.accept, change) || own(decisions.resolve, change.id) !== undefined;
    const score = change.confidence?.score;
    const gate = decisions.confidence;
    const lowScore = score !== undefined && gate.reject !== undefined && score < gate.reject;
    const unsure = score !== undefined && gate.accept !== undefined && score < gate.accept;
    const rejected = hit(decisions.reject, change) || (lowScore && !accepted);
    if (rejected) result.withheld.rejected++;
    else if ((decisions.default === 'review' || unsure) && !accepted) result.withheld.notAccepted++;
    else result.accepted.push(decided);
  }

  for (const s of [...decisions.accept, ...decisions.reject]) if (!used.has(s)) result.stale.push(`${describe(s)} matches no change`);
  for (const id of Object.keys(decisions.resolve)) {
    if (!usedResolutions.has(id)) result.stale.push(`resolve ${id}: no conflict with that id in this changeset`);
  }
  return result;
}

/** Turns a conflict into the insert or update it becomes once a person chose every disputed value. */
function settle(change: Change, resolution: Record<string, Choice>, problems: string[]): Change | undefined {
  const values = { ...change.values };
  const evidence = { ...change.evidence };
  for (const [column, alternatives] of Object.entries(change.conflicts ?? {})) {
    const choice = own(resolution, column);
    if (!choice) return undefined;
    if ('source' in choice) {
      const picked = alternatives.filter((a) => a.evidence.some((e) => e.source === choice.source));
      if (picked.length !== 1) {
        problems.push(`resolve ${change.id}.${column}: source "${choice.source}" ${picked.length ? 'gave several values' : 'gave no value'}; write the value instead`);
        return undefined;
      }
      values[column] = picked[0]?.value ?? null;
      evidence[column] = picked[0]?.evidence ?? [];
    } else {
      values[column] = choice.value === null ? null : String(choice.value);
      evidence[column] = [{ source: 'decisions.yaml', record: change.id, ref: `decisions.yaml#${change.id}`, rule: 'a reviewer' }];
    }
  }
  const isUpdate = change.old !== undefined && Object.keys(change.key).length > 0;
  if (!isUpdate) return { ...change, kind: 'insert', values, evidence, conflicts: undefined };
  // An update writes only what differs from the backup.
  const changed: Record<string, string | null> = {};
  const old: Record<string, string | null> = {};
  for (const [column, value] of Object.entries(values)) {
    const before = own(change.old, column);
    if (before === value) continue;
    changed[column] = value;
    old[column] = before ?? null;
  }
  return { ...change, kind: 'update', values: changed, old, evidence, conflicts: undefined };
}
