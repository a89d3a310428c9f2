import type { Change, Changeset } from '../changeset/changeset.js';
import { own } from '../values/own.js';
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

/** What the decisions make of one change (see Decider.verdict). */
export type Verdict =
  | { kind: 'write'; change: Change }
  | { kind: 'rejected' }
  | { kind: 'open' }
  | { kind: 'not-accepted' }
  | { kind: 'unrecoverable' };

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
  const decider = new Decider(decisions);
  const accepted: Change[] = [];
  for (const change of changeset.changes) {
    const decided = decider.decide(change);
    if (decided) accepted.push(decided);
  }
  return { ...decider.finish(), accepted };
}

/**
 * applyDecisions one change at a time, for a changeset read as a stream: `decide` counts
 * what it withholds and notes which decisions were used; `finish` says what is left.
 */
export class Decider {
  private readonly withheld: DecidedChangeset['withheld'] = { undecidedConflicts: 0, rejected: 0, notAccepted: 0, unrecoverable: 0 };
  private readonly problems: string[] = [];
  private readonly used = new Set<Selector>();
  private readonly usedResolutions = new Set<string>();

  constructor(private readonly decisions: Decisions) {}

  /** The change as the patch writes it (a settled conflict becomes an insert or update), or undefined when withheld. */
  decide(change: Change): Change | undefined {
    const verdict = this.verdict(change);
    switch (verdict.kind) {
      case 'write':
        return verdict.change;
      case 'unrecoverable':
        this.withheld.unrecoverable++;
        break;
      case 'open':
        this.withheld.undecidedConflicts++;
        break;
      case 'rejected':
        this.withheld.rejected++;
        break;
      case 'not-accepted':
        this.withheld.notAccepted++;
        break;
    }
    return undefined;
  }

  /**
   * What the decisions make of one change, counting nothing: written (a settled conflict
   * as the insert or update it becomes), or withheld and why. Every selector is tried on
   * every change, conflicts included, so that a `reject:` of a conflict's id rejects it
   * (keeping the row as the database has it) and is not reported as matching nothing.
   */
  verdict(change: Change): Verdict {
    const { decisions } = this;
    if (change.kind === 'unrecoverable') return { kind: 'unrecoverable' };
    const resolution = own(decisions.resolve, change.id);
    const acceptedById = this.hit(decisions.accept, change);
    const accepted = acceptedById || resolution !== undefined;
    const score = change.confidence?.score;
    const gate = decisions.confidence;
    const lowScore = score !== undefined && gate.reject !== undefined && score < gate.reject;
    const unsure = score !== undefined && gate.accept !== undefined && score < gate.accept;
    const rejected = this.hit(decisions.reject, change) || (lowScore && !accepted);
    if (resolution) this.usedResolutions.add(change.id);
    if (rejected) return { kind: 'rejected' };
    let decided: Change | undefined = change;
    if (change.kind === 'conflict') {
      decided = resolution ? settle(change, resolution, this.problems) : undefined;
      if (!decided) {
        if (decisions.accept.includes(change.id)) this.problem(`accept ${change.id}: a conflict is written once each disputed column (${Object.keys(change.conflicts ?? {}).join(', ')}) has a value: add it under resolve:, or run salvage review`);
        return { kind: 'open' };
      }
    }
    if ((decisions.default === 'review' || unsure) && !accepted) return { kind: 'not-accepted' };
    return { kind: 'write', change: decided };
  }

  /** An accepted change read again: what `decide` made of it, with nothing counted twice. */
  again(change: Change): Change {
    if (change.kind !== 'conflict') return change;
    const resolution = own(this.decisions.resolve, change.id);
    const settled = resolution ? settle(change, resolution, []) : undefined;
    if (!settled) throw new Error(`conflict ${change.id} was accepted once and not again: was changeset.json changed while the patch was made?`);
    return settled;
  }

  finish(): Omit<DecidedChangeset, 'accepted'> {
    const stale: string[] = [];
    for (const s of [...this.decisions.accept, ...this.decisions.reject]) if (!this.used.has(s)) stale.push(`${describe(s)} matches no change`);
    for (const id of Object.keys(this.decisions.resolve)) {
      if (!this.usedResolutions.has(id)) stale.push(`resolve ${id}: no conflict with that id in this changeset`);
    }
    return { withheld: { ...this.withheld }, stale, problems: [...this.problems] };
  }

  private problem(text: string): void {
    if (!this.problems.includes(text)) this.problems.push(text);
  }

  private hit(list: Selector[], change: Change): boolean {
    let any = false;
    for (const s of list) {
      if (matches(s, change)) {
        this.used.add(s);
        any = true;
      }
    }
    return any;
  }
}

/** Turns a conflict into the insert or update it becomes once a person chose every disputed value. */
function settle(change: Change, resolution: Record<string, Choice>, problems: string[]): Change | undefined {
  if (change.live?.why === 'key-reused') {
    // Written as it is, it would land on the live row that holds the key now.
    problems.push(`${change.id}: its key is a different row in the live database now; reject it, or list it under rekey: and run reconcile again`);
    return undefined;
  }
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
