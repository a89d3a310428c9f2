import type { Change, Evidence } from '../changeset/changeset.js';
import { evidenceKey } from '../changeset/evidence-key.js';

/**
 * Numbers the distinct evidence of one change, so a value cites "[1][2]" and the
 * records (source, ref, rule) are listed once below it. A row rebuilt from two
 * records would otherwise repeat the same two refs next to every column.
 */
export class EvidenceFootnotes {
  readonly list: Evidence[] = [];
  private readonly numbers = new Map<string, number>();

  static forChange(change: Change): EvidenceFootnotes {
    const notes = new EvidenceFootnotes();
    // Numbered in reading order: the values, then what disagreeing or conflicting sources said.
    for (const list of Object.values(change.evidence)) notes.numberAll(list);
    for (const d of Object.values(change.disagreements ?? {})) for (const a of d.alternatives) notes.numberAll(a.evidence);
    for (const alternatives of Object.values(change.conflicts ?? {})) for (const a of alternatives) notes.numberAll(a.evidence);
    return notes;
  }

  /** The 1-based numbers of these evidence entries, each once, ascending. */
  numberAll(evidence: readonly Evidence[] | undefined): number[] {
    const out = new Set<number>();
    for (const e of evidence ?? []) {
      const key = evidenceKey(e);
      let n = this.numbers.get(key);
      if (n === undefined) {
        this.list.push(e);
        n = this.list.length;
        this.numbers.set(key, n);
      }
      out.add(n);
    }
    return [...out].sort((a, b) => a - b);
  }
}
