import type { Alternative, Change, ChangeKind, Changeset, Evidence } from '../reconcile/changeset.js';
import { evidenceKey } from './evidence-footnotes.js';
import { summaryRows } from './review-model.js';
import { REASON_TEXT, REVIEW_KIND_ORDER } from './review-terms.js';

/**
 * What the HTML report embeds: the changeset's changes with each evidence entry
 * stored once and cited by index. A record usually backs every column of its row,
 * so this keeps a 100k-change report a fraction of the changeset's size, which is
 * what decides how fast the browser can parse it.
 */
export interface ReportData {
  /** Every source name: the changeset's, then any that only evidence names. */
  sources: string[];
  /** Every table, in the changeset's foreign-key order. */
  tables: string[];
  /** [source index, record, ref, rule] */
  evidence: Array<[number, string, string, string]>;
  reasons: Record<string, string>;
  changes: ReportChange[];
}

export interface ReportAlternative {
  value: string | null;
  evidence: number[];
}

export interface ReportChange {
  id: string;
  /** Index into `tables`. */
  table: number;
  kind: ChangeKind;
  keyAssigned?: true;
  values: Record<string, string | null>;
  old?: Record<string, string | null>;
  evidence: Record<string, number[]>;
  disagreements?: Record<string, { chosen: string | null; by: string; alternatives: ReportAlternative[] }>;
  conflicts?: Record<string, ReportAlternative[]>;
  /** How sure reconcile is, and why; the client shows the score with two decimals, as the other reports do. */
  confidence?: { score: number; reasons: string[] };
  defaulted?: string[];
  reason?: string;
  detail?: string;
  notes?: string[];
}

export function buildReportData(changeset: Changeset): ReportData {
  const sources = new IndexOf(changeset.sources.map((s) => s.name));
  const tables = new IndexOf(summaryRows(changeset).map((r) => r.table));
  const evidence: ReportData['evidence'] = [];
  const evidenceIndex = new Map<string, number>();

  const cite = (list: readonly Evidence[] | undefined): number[] =>
    (list ?? []).map((e) => {
      const key = evidenceKey(e);
      let i = evidenceIndex.get(key);
      if (i === undefined) {
        i = evidence.push([sources.of(e.source), e.record, e.ref, e.rule]) - 1;
        evidenceIndex.set(key, i);
      }
      return i;
    });
  const alternative = (a: Alternative): ReportAlternative => ({ value: a.value, evidence: cite(a.evidence) });

  const changes = reviewOrder(changeset.changes, (table) => tables.of(table)).map((c: Change): ReportChange => {
    const out: ReportChange = { id: c.id, table: tables.of(c.table), kind: c.kind, values: c.values, evidence: mapValues(c.evidence, cite) };
    if (c.keyAssigned) out.keyAssigned = true;
    if (c.old) out.old = c.old;
    if (c.disagreements) {
      out.disagreements = mapValues(c.disagreements, (d) => ({ chosen: d.chosen, by: d.by, alternatives: d.alternatives.map(alternative) }));
    }
    if (c.conflicts) out.conflicts = mapValues(c.conflicts, (list) => list.map(alternative));
    if (c.confidence) out.confidence = { score: c.confidence.score, reasons: c.confidence.reasons };
    if (c.defaulted?.length) out.defaulted = c.defaulted;
    if (c.reason) out.reason = c.reason;
    if (c.detail) out.detail = c.detail;
    if (c.notes?.length) out.notes = c.notes;
    return out;
  });
  return { sources: sources.names, tables: tables.names, evidence, reasons: { ...REASON_TEXT }, changes };
}

/** Names to small integers, first come first numbered. */
class IndexOf {
  private readonly index = new Map<string, number>();
  constructor(readonly names: string[]) {
    names.forEach((name, i) => this.index.set(name, i));
  }
  of(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.push(name) - 1;
      this.index.set(name, i);
    }
    return i;
  }
}

/** fromEntries, not assignment: a column named `__proto__` must stay a column. */
function mapValues<A, B>(record: Record<string, A>, f: (a: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

/** Tables parents first (the patch's order); within one, what needs a decision first (as in the Markdown report). */
function reviewOrder(changes: Change[], tableIndex: (table: string) => number): Change[] {
  const rank = (c: Change) => tableIndex(c.table) * REVIEW_KIND_ORDER.length + REVIEW_KIND_ORDER.indexOf(c.kind);
  return changes
    .map((change, i) => ({ change, i, rank: rank(change) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.change);
}
