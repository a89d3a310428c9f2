import type { Alternative, Change, Evidence } from './changeset.js';
import { evidenceKey } from './evidence-key.js';

/**
 * Changes read back from changeset.json with what they repeat shared. A row rebuilt from
 * one record cites that record once per column, and every change names the same few
 * sources, rules and confidence reasons: parsed as is, a million changes held six copies
 * of each record's evidence and a million copies of each name, gigabytes in `salvage patch`.
 * Shared, each record's evidence is one object per change and each name one
 * string. Only objects the parser just made are shared, in place: the same values, the
 * same key order; nothing reads a change differently.
 */
export class SharedEvidence {
  private readonly names = new Map<string, string>();
  private readonly ofChange = new Map<string, Evidence>();
  private readonly listsOfChange = new Map<string, Evidence[]>();
  /** A short name for each shared evidence object of the current change. */
  private readonly keys = new Map<Evidence, string>();

  /** The change, its evidence and names shared. */
  share(change: Change): Change {
    this.ofChange.clear();
    this.listsOfChange.clear();
    this.keys.clear();
    change.table = this.name(change.table);
    change.kind = this.name(change.kind) as Change['kind'];
    if (typeof change.evidence !== 'object' || change.evidence === null) return change; // not salvage's: for the reader to refuse
    for (const column in change.evidence) change.evidence[column] = this.list(change.evidence[column]);
    for (const column in change.disagreements ?? {}) {
      const d = change.disagreements?.[column];
      if (d && Array.isArray(d.alternatives)) d.alternatives = d.alternatives.map((a) => this.alternative(a));
    }
    for (const column in change.conflicts ?? {}) {
      const list = change.conflicts?.[column];
      if (Array.isArray(list) && change.conflicts) change.conflicts[column] = list.map((a) => this.alternative(a));
    }
    if (Array.isArray(change.confidence?.reasons)) change.confidence.reasons = change.confidence.reasons.map((r) => this.name(r));
    return change;
  }

  private alternative(a: Alternative): Alternative {
    if (typeof a === 'object' && a !== null) a.evidence = this.list(a.evidence);
    return a;
  }

  /** Equal lists of one change are one array too (nothing in salvage changes a list in place). */
  private list(list: Evidence[] | undefined): Evidence[] {
    if (!Array.isArray(list)) return list as unknown as Evidence[]; // not a changeset salvage wrote: left for the reader to refuse
    const shared = list.map((e) => this.evidence(e));
    const key = shared.map((e) => this.keys.get(e) ?? '?').join('\u0001');
    if (key.includes('?')) return shared;
    const seen = this.listsOfChange.get(key);
    if (seen) return seen;
    this.listsOfChange.set(key, shared);
    return shared;
  }

  private evidence(e: Evidence): Evidence {
    if (typeof e !== 'object' || e === null || ![e.source, e.record, e.ref, e.rule].every((v) => typeof v === 'string')) return e;
    const key = evidenceKey(e);
    const seen = this.ofChange.get(key);
    if (seen) return seen;
    e.source = this.name(e.source);
    e.rule = this.name(e.rule);
    this.ofChange.set(key, e);
    this.keys.set(e, String(this.ofChange.size));
    return e;
  }

  /** Names repeat across every change; there are few of them (sources, rules, reasons). */
  private name(text: string): string {
    if (typeof text !== 'string') return text;
    const known = this.names.get(text);
    if (known !== undefined) return known;
    if (this.names.size < 100_000) this.names.set(text, text);
    return text;
  }
}
