import type { Alternative, Change, ChangeKind, Changeset, Evidence } from '../changeset/changeset.js';
import { viewOfChangeset, type ChangesetView } from './changeset-view.js';
import { decisionLine } from '../decide/conflict-decision.js';
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
  /** Columns whose key the target makes at apply time: column -> the change that inserts that row. */
  keyRefs?: Record<string, string>;
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
  /** A conflict's decision in decisions.yaml, in words (decided, rejected, or open and how to decide it). */
  decision?: string;
}

export function buildReportData(changeset: Changeset): ReportData {
  const view = viewOfChangeset(changeset);
  const builder = new ReportDataBuilder(view);
  const changes = [...builder.changes()];
  const evidence = builder.evidenceJson.map((json) => JSON.parse(json) as ReportData['evidence'][number]);
  return { sources: builder.sources.names, tables: builder.tables.names, evidence, reasons: { ...REASON_TEXT }, changes };
}

/**
 * The report data as JSON text, a piece at a time: the changes are written as they are
 * read, and what they cite (evidence, sources) after them, so only the evidence table
 * is held. Parsed, it equals buildReportData's object (keys in another order).
 */
export function* reportDataJson(view: ChangesetView): Generator<string> {
  const builder = new ReportDataBuilder(view);
  yield `{"tables":${JSON.stringify(builder.tables.names)},"reasons":${JSON.stringify(REASON_TEXT)},"changes":[`;
  let first = true;
  for (const change of builder.changes()) {
    // A line per change: the page's source stays readable, and the output can be passed on in blocks.
    yield `${first ? '\n' : ',\n'}${JSON.stringify(change)}`;
    first = false;
  }
  yield '\n],"evidence":[';
  for (let i = 0; i < builder.evidenceJson.length; i++) yield `${i ? ',' : ''}\n${builder.evidenceJson[i]}`;
  yield `\n],"sources":${JSON.stringify(builder.sources.names)}}`;
}

/** Cites each evidence entry once, by index, while the changes go by in review order. */
class ReportDataBuilder {
  readonly sources: IndexOf;
  readonly tables: IndexOf;
  /**
   * Each cited record as its JSON text (`[source, record, ref, rule]`), which is also its
   * key: JSON text is one string per record where an array and its strings were several,
   * and two records have the same text exactly when they are the same record.
   */
  readonly evidenceJson: string[] = [];
  private readonly evidenceIndex = new Map<string, number>();

  constructor(private readonly view: ChangesetView) {
    this.sources = new IndexOf(view.head.sources.map((s) => s.name));
    this.tables = new IndexOf(view.summary().map((r) => r.table));
  }

  /** Tables parents first (the patch's order); within one, what needs a decision first (as in the Markdown report). */
  *changes(): Generator<ReportChange> {
    for (const table of this.tables.names.slice()) {
      for (const kind of REVIEW_KIND_ORDER) for (const change of this.view.changes(table, kind)) yield this.change(change);
    }
  }

  private change(c: Change): ReportChange {
    const cite = (list: readonly Evidence[] | undefined) => this.cite(list);
    const alternative = (a: Alternative): ReportAlternative => ({ value: a.value, evidence: cite(a.evidence) });
    const out: ReportChange = { id: c.id, table: this.tables.of(c.table), kind: c.kind, values: c.values, evidence: mapValues(c.evidence, cite) };
    if (c.keyAssigned) out.keyAssigned = true;
    if (c.keyRefs) out.keyRefs = c.keyRefs;
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
    if (c.kind === 'conflict') out.decision = decisionLine(this.view.decisions, c);
    return out;
  }

  private cite(list: readonly Evidence[] | undefined): number[] {
    return (list ?? []).map((e) => {
      const json = JSON.stringify([this.sources.of(e.source), e.record, e.ref, e.rule]);
      let i = this.evidenceIndex.get(json);
      if (i === undefined) {
        i = this.evidenceJson.push(json) - 1;
        this.evidenceIndex.set(json, i);
      }
      return i;
    });
  }
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
