import type { Change, Evidence } from '../changeset/changeset.js';
import { hasOwn, own } from '../values/own.js';
import { DECISIONS_NEWER_NOTE, type ChangesetView } from './changeset-view.js';
import { decisionLine } from '../decide/conflict-decision.js';
import type { Decisions } from '../decide/schema.js';
import type { SummaryRow } from './review-model.js';
import { keyRefText } from './review-terms.js';
import { formatCount } from '../runtime/format-count.js';

export interface TextReportOptions {
  color?: boolean;
  /** Show at most this many changes per kind and table (default: all). */
  limit?: number;
  /** The summary table again after the changes: on a terminal without a pager, the first one has scrolled away. */
  summaryAgain?: boolean;
}

interface Palette {
  add: (s: string) => string;
  del: (s: string) => string;
  warn: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

const plain: Palette = { add: (s) => s, del: (s) => s, warn: (s) => s, dim: (s) => s, bold: (s) => s };
const ansi: Palette = {
  add: (s) => `\x1b[32m${s}\x1b[39m`,
  del: (s) => `\x1b[31m${s}\x1b[39m`,
  warn: (s) => `\x1b[33m${s}\x1b[39m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
};

/** The terminal review, a line at a time (no line ends): a summary per table, then each change with its evidence. */
export function* textLines(view: ChangesetView, options: TextReportOptions = {}): Generator<string> {
  const p = options.color ? ansi : plain;
  const { head } = view;
  yield p.bold(`salvage changeset for ${head.backup.database} (${head.createdAt})`);
  yield `window: ${head.window.from} -> ${head.window.to} (records written since ${head.window.since})`;
  if (view.decisionsNewer) yield p.warn(DECISIONS_NEWER_NOTE);
  for (const warning of head.warnings ?? []) yield p.warn(`warning: ${warning}`);
  for (const s of head.sources) {
    yield `source ${s.name}: ${formatCount(s.records)} records = ${formatCount(s.mapped)} mapped + ${formatCount(s.unmapped)} matched no rule + ${formatCount(s.rejected)} rejected`;
    for (const r of s.rejectedBy ?? []) yield p.warn(`  rejected ${formatCount(r.count)} by ${r.rule} (${r.column}), e.g. ${r.example.ref}: ${r.example.message}`);
  }
  yield '';
  yield summaryTable(view.summary());
  yield '';
  for (const u of head.unmapped) {
    yield p.warn(`unmapped: ${formatCount(u.count)} ${u.type} records of ${u.source} matched no rule, e.g.`);
    for (const [i, ref] of u.samples.slice(0, 3).entries()) {
      const gist = u.gists?.[i];
      yield `  ${ref}${gist ? `  ${p.dim(gist)}` : ''}`;
    }
  }
  if (head.failures.count) {
    yield p.warn(`rule failures: ${formatCount(head.failures.count)} (a transform could not convert a value; the record produced nothing for that rule)`);
    for (const f of head.failures.samples.slice(0, 10)) yield p.warn(`  ${f.ref} ${f.rule} ${f.column}: ${f.message}`);
  }
  if (head.unmapped.length || head.failures.count) yield '';

  // Every table with changes, those only the changes name too: a report must never hide a change.
  for (const table of view.tablesWithChanges()) {
    yield p.bold(`== ${table}`);
    for (const kind of ['insert', 'update', 'conflict', 'unrecoverable'] as const) {
      const total = view.count(table, kind);
      let shown = 0;
      for (const change of view.changes(table, kind)) {
        if (options.limit !== undefined && shown >= options.limit) break;
        yield renderChange(change, p, view.decisions);
        shown++;
      }
      if (shown < total) yield p.dim(`   ... ${formatCount(total - shown)} more ${kind}s (diff --format json shows all)`);
    }
    yield '';
  }
  if (options.summaryAgain) {
    yield p.bold('summary (as at the top)');
    yield summaryTable(view.summary());
  }
}

function summaryTable(summary: SummaryRow[]): string {
  const head = ['table', 'insert', 'update', 'unchanged', 'conflict', 'unrecoverable'];
  const rows = summary.map((t) => [
    t.table,
    ...[t.counts.insert, t.counts.update, t.counts.unchanged, t.counts.conflict, t.counts.unrecoverable].map(formatCount),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function show(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  return JSON.stringify(value);
}

function sources(evidence: Evidence[] | undefined): string {
  if (!evidence?.length) return '';
  const refs = [...new Set(evidence.map((e) => e.ref))];
  return `  <- ${refs.slice(0, 3).join(', ')}${refs.length > 3 ? ` +${refs.length - 3}` : ''}`;
}

function renderChange(change: Change, p: Palette, decisions: Decisions): string {
  const lines: string[] = [];
  switch (change.kind) {
    case 'insert':
      lines.push(p.add(`+ ${change.id}${change.keyAssigned ? ' (new key from the sequence)' : ''}`));
      for (const [column, ref] of Object.entries(change.keyRefs ?? {})) lines.push(`    ${column} = ${keyRefText(change, ref)}${p.dim(sources(own(change.evidence, column)))}`);
      for (const [column, value] of Object.entries(change.values)) {
        lines.push(`    ${column} = ${show(value)}${p.dim(sources(own(change.evidence, column)))}`);
      }
      if (change.defaulted?.length) lines.push(p.dim(`    left to the database default / NULL: ${change.defaulted.join(', ')}`));
      break;
    case 'update':
      lines.push(p.warn(`~ ${change.id}`));
      for (const [column, value] of Object.entries(change.values)) {
        lines.push(`    ${column}: ${p.del(show(own(change.old, column)))} -> ${p.add(show(value))}${p.dim(sources(own(change.evidence, column)))}`);
      }
      break;
    case 'conflict':
      lines.push(p.warn(`! ${change.id} conflict: sources disagree and no rule decides (not written until decided)`));
      for (const [column, alternatives] of Object.entries(change.conflicts ?? {})) {
        lines.push(`    ${column}:${hasOwn(change.old, column) ? ` backup has ${show(own(change.old, column))};` : ''}`);
        for (const a of alternatives) lines.push(`      ${show(a.value)}${p.dim(sources(a.evidence))}`);
      }
      lines.push(p.warn(`    ${decisionLine(decisions, change)}`));
      break;
    case 'unrecoverable':
      lines.push(p.del(`x ${change.id} unrecoverable (${change.reason}): ${change.detail}`));
      for (const [column, value] of Object.entries(change.values)) lines.push(p.dim(`    known: ${column} = ${show(value)}${sources(own(change.evidence, column))}`));
      {
        const refs = [...new Set(Object.values(change.evidence).flat().map((e) => e.ref))];
        if (refs.length) lines.push(p.dim(`    from: ${refs.slice(0, 5).join(', ')}${refs.length > 5 ? ` +${refs.length - 5}` : ''}`));
      }
      break;
  }
  for (const [column, d] of Object.entries(change.disagreements ?? {})) {
    const others = d.alternatives.filter((a) => a.value !== d.chosen).map((a) => `${show(a.value)}${sources(a.evidence)}`);
    lines.push(p.dim(`    note: ${column} chose ${show(d.chosen)} by ${d.by}; also seen: ${others.join('; ')}`));
  }
  if (change.confidence) lines.push(p.dim(`    confidence ${change.confidence.score.toFixed(2)}: ${change.confidence.reasons.join('; ')}`));
  for (const note of change.notes ?? []) lines.push(p.dim(`    note: ${note}`));
  return lines.join('\n');
}
