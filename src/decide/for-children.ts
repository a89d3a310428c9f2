import type { Change } from '../changeset/changeset.js';
import { Decider, type Verdict } from './apply-decisions.js';
import type { Decisions } from './schema.js';

/**
 * decisions.yaml as reconcile reads it for children's lookups: a parent conflict
 * decided in decisions.yaml (or by salvage review) is found as the row the patch will
 * write, so the rows that depend on it come back with it; a rejected parent is not
 * found, and its children say why. `patch` applies the same decisions to the same
 * changes (Decider.verdict), so what children are told is what is written.
 */
export class ParentDecisions {
  private readonly decider: Decider;
  /** A `{ rule: ... }` selector reads a change's evidence; only then is it kept. */
  private readonly needsEvidence: boolean;
  /** A confidence gate reads the score; only then is it kept. */
  private readonly needsConfidence: boolean;

  constructor(decisions: Decisions) {
    this.decider = new Decider(decisions);
    this.needsEvidence = [...decisions.accept, ...decisions.reject].some((s) => typeof s === 'object' && 'rule' in s);
    this.needsConfidence = decisions.confidence.accept !== undefined || decisions.confidence.reject !== undefined;
  }

  /**
   * What `verdict` reads of a change beyond its id, kind, key and looked-up columns:
   * a conflict's alternatives, and evidence and score when a decision reads them. The
   * rest is let go (a table of a million rows keeps little per row for its children).
   */
  keep(change: Change): Partial<Pick<Change, 'conflicts' | 'evidence' | 'confidence'>> {
    return {
      ...(change.conflicts ? { conflicts: change.conflicts } : {}),
      ...(this.needsEvidence ? { evidence: change.evidence } : {}),
      ...(this.needsConfidence && change.confidence ? { confidence: change.confidence } : {}),
    };
  }

  /** What patch will do with the change: write it (a settled conflict as its insert or update), or withhold it and why. */
  verdict(change: Change): Verdict {
    return this.decider.verdict(change);
  }
}
