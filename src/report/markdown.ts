import type { Alternative, Change, Changeset, Disagreement, Evidence } from '../changeset/changeset.js';
import { EvidenceFootnotes } from './evidence-footnotes.js';
import { htmlText } from './html-text.js';
import { mdCode as code, mdText, mdValue } from './markdown-escape.js';
import { countsTotal, own, type SummaryRow } from './review-model.js';
import { DECISIONS_NEWER_NOTE, viewOfChangeset, type ChangesetHead, type ChangesetView } from './changeset-view.js';
import { decisionLine } from '../decide/conflict-decision.js';
import type { Decisions } from '../decide/schema.js';
import { countOfKind, keyRefText, REVIEW_KIND_ORDER, reasonText, scoreText } from './review-terms.js';
import { formatCount } from '../runtime/format-count.js';

export interface MarkdownReportOptions {
  /** Show at most this many changes per kind and table (default: all). */
  limit?: number;
  /**
   * A comment's worth (a pull request comment holds 65,536 characters): the report stays
   * under this many characters, conflicts first, and points to the full report. Changes
   * are left out whole, never cut in the middle.
   */
  maxChars?: number;
}

/** What GitHub takes in one pull-request or issue comment. */
export const PR_COMMENT_MAX_CHARS = 65_536;
/** In a comment, each table shows this many of each kind of change (conflicts: all that fit). */
export const PR_SAMPLES_PER_KIND = 3;
/** Room kept for what closes the report once changes stop fitting. */
const CLOSING_RESERVE = 2_000;

/** Characters written so far, and whether changes have been left out for room. */
class Budget {
  used = 0;
  cut = false;
  constructor(readonly max: number | undefined) {}

  /** Whether these lines of one change still fit; once one does not, none after it does. */
  fits(lines: string[]): boolean {
    if (this.max === undefined) return true;
    const size = lines.reduce((n, l) => n + l.length + 1, 0);
    if (this.cut || this.used + size > this.max - CLOSING_RESERVE) this.cut = true;
    return !this.cut;
  }
}

/** A table section with more changes than this starts collapsed, so the page stays navigable. */
const OPEN_TABLE_MAX_CHANGES = 25;

/**
 * The review as GitHub-flavoured Markdown, for a pull request or a ticket: the
 * summary, what was not used, then every change with the records behind each value.
 * Everything that comes from the changeset passes through `mdText`/`mdValue`.
 */
export function renderMarkdown(changeset: Changeset, options: MarkdownReportOptions = {}): string {
  return [...markdownLines(viewOfChangeset(changeset), options)].join('\n');
}

/**
 * renderMarkdown a line at a time (no line ends), for a changeset of any size: never
 * two blank lines in a row, and none at the end.
 */
export function* markdownLines(view: ChangesetView, options: MarkdownReportOptions = {}): Generator<string> {
  yield* collapseBlankLines(reportLines(view, options));
}

function* reportLines(view: ChangesetView, options: MarkdownReportOptions): Generator<string> {
  const budget = new Budget(options.maxChars);
  for (const line of budgetedLines(view, options, budget)) {
    budget.used += line.length + 1;
    yield line;
  }
}

function* budgetedLines(view: ChangesetView, options: MarkdownReportOptions, budget: Budget): Generator<string> {
  const out: string[] = [];
  header(view.head, out);
  if (view.decisionsNewer) out.push(`> **${mdText(DECISIONS_NEWER_NOTE)}**`, '');
  const rows = view.summary();
  summary(rows, out);
  const total = countsTotal(rows);
  const changes = total.insert + total.update + total.conflict + total.unrecoverable;
  if (budget.max !== undefined) out.push(`${FULL_REPORT_POINTER} Below: the conflicts, then samples of each table's changes.`, '');
  ledger(view.head, out);
  yield* out.splice(0);
  const tables = [...view.tablesWithChanges()];
  // In a comment, what needs a person comes first, and each table then shows the rest.
  const conflictsFirst = budget.max !== undefined && total.conflict > 0;
  if (conflictsFirst) {
    yield '## Conflicts awaiting a decision';
    yield '';
    for (const table of tables) yield* changesOf(view, table, 'conflict', undefined, budget);
  }
  for (const table of tables) {
    if (budget.cut) break;
    yield* tableSection(view, table, options, budget, conflictsFirst);
  }
  if (budget.cut) {
    yield `**Not all ${formatCount(changes)} changes fit in one comment.** ${FULL_REPORT_POINTER}`;
  }
}

const FULL_REPORT_POINTER =
  'The full review, every change with its evidence: `salvage diff --format html > review.html` (one self-contained page), or `salvage diff > changes.txt`.';

/** The changes of one kind in one table, each whole, as many as the limit and the budget allow; then how many were left out. */
function* changesOf(view: ChangesetView, table: string, kind: Change['kind'], limit: number | undefined, budget: Budget): Generator<string> {
  const count = view.count(table, kind);
  let shown = 0;
  for (const change of view.changes(table, kind)) {
    if (limit !== undefined && shown >= limit) break;
    const out: string[] = [];
    renderChange(change, out, view.decisions);
    if (!budget.fits(out)) break;
    yield* out;
    shown++;
  }
  if (shown < count) {
    yield `*… ${countOfKind(count - shown, kind, true)} of ${mdText(table)} (\`diff --format html\` or \`--format json\` shows all)*`;
    yield '';
  }
}

/**
 * What `join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()` makes of the whole text, a
 * line at a time: one blank line where the sections leave several, none at the end.
 * (No line holds a newline: mdText keeps every value on one line.)
 */
export function* collapseBlankLines(lines: Iterable<string>): Generator<string> {
  let blanks = 0;
  let first = true;
  // From the last line with content on: held back, since the end of the text is trimmed.
  let held: string[] = [];
  for (const line of lines) {
    if (line === '') {
      blanks++;
      continue;
    }
    // Three newlines or more become two: a run of blank lines is one, or two before the first line.
    for (let i = Math.min(blanks, first ? 2 : 1); i > 0; i--) held.push('');
    blanks = 0;
    first = false;
    if (/\S/.test(line)) {
      yield* held;
      held = [];
    }
    held.push(line);
  }
  const [last] = held;
  if (last !== undefined) yield last.trimEnd();
}

function header(changeset: ChangesetHead, out: string[]): void {
  const w = changeset.window;
  out.push(`# salvage changeset: ${mdText(changeset.backup.database)}`, '');
  out.push(`- **Backup** (read only): ${mdText(changeset.backup.describe)}`);
  out.push(`- **Window**: ${mdText(w.from)} → ${mdText(w.to)} (records written since ${mdText(w.since)})`);
  out.push(`- **Sources**: ${changeset.sources.map((s) => `${mdText(s.name)} (${formatCount(s.records)} records)`).join(', ') || 'none'}`);
  out.push(`- **Reconciled**: ${mdText(changeset.createdAt)}`, '');
  for (const warning of changeset.warnings ?? []) out.push(`> ⚠ ${mdText(warning)}`, '');
}

function summary(rows: SummaryRow[], out: string[]): void {
  const total = countsTotal(rows);
  out.push('## Summary', '');
  out.push('| table | insert | update | conflict | unrecoverable | unchanged |', '|---|--:|--:|--:|--:|--:|');
  for (const row of rows) {
    const c = row.counts;
    const n = formatCount;
    out.push(`| ${mdText(row.table)} | ${n(c.insert)} | ${n(c.update)} | ${n(c.conflict)} | ${n(c.unrecoverable)} | ${n(c.unchanged)} |`);
  }
  const n = formatCount;
  out.push(`| **total** | **${n(total.insert)}** | **${n(total.update)}** | **${n(total.conflict)}** | **${n(total.unrecoverable)}** | **${n(total.unchanged)}** |`, '');
  if (total.conflict) out.push(`> **${n(total.conflict)} conflict${total.conflict === 1 ? '' : 's'} wait for a decision**: sources disagree and no rule decides; they are not written until decided.`, '');
  if (total.unrecoverable) out.push(`> **${n(total.unrecoverable)} row${total.unrecoverable === 1 ? '' : 's'} cannot be rebuilt** from what survived; each is listed below with the reason.`, '');
}

/** Records no rule used and values no transform could convert: counted here, never dropped silently. */
function ledger(changeset: ChangesetHead, out: string[]): void {
  const { unmapped, failures } = changeset;
  const unreadable = unreadableBySource(changeset);
  if (!unmapped.length && !failures.count && !unreadable.length) return;
  out.push('## Records not used', '');
  if (unreadable.length) {
    out.push('Could not be read at pull (each in `<job>/rejected/<source>.ndjson`):', '', '| source | what | records | for example |', '|---|---|--:|---|');
    for (const u of unreadable) out.push(`| ${mdText(u.source)} | ${mdText(u.what)} | ${u.count} | ${code(u.location)}: ${mdText(u.reason)} |`);
    out.push('');
  }
  if (unmapped.length) {
    out.push('Matched no mapping rule:', '', '| source | type | records | for example |', '|---|---|--:|---|');
    for (const u of unmapped) {
      const examples = u.samples.slice(0, 3).map((ref, i) => `${code(ref)}${u.gists?.[i] ? ` ${mdText(u.gists[i])}` : ''}`);
      out.push(`| ${mdText(u.source)} | ${mdText(u.type)} | ${formatCount(u.count)} | ${examples.join('<br>')} |`);
    }
    out.push('');
  }
  if (failures.count) {
    const shown = failures.samples.length < failures.count ? ` (the first ${failures.samples.length} shown)` : '';
    out.push(`A transform could not convert a value ${formatCount(failures.count)} time${failures.count === 1 ? '' : 's'}${shown}; that record produced nothing for that rule:`, '');
    out.push('| rule | column | record | problem |', '|---|---|---|---|');
    for (const f of failures.samples) out.push(`| ${mdText(f.rule)} | ${mdText(f.column)} | ${code(f.ref)} | ${mdText(f.message)} |`);
    out.push('');
  }
}

function* tableSection(view: ChangesetView, table: string, options: MarkdownReportOptions, budget: Budget, conflictsShown: boolean): Generator<string> {
  const byKind = REVIEW_KIND_ORDER.map((kind) => ({ kind, count: view.count(table, kind) })).filter((k) => k.count);
  const changes = byKind.reduce((n, k) => n + k.count, 0);
  const counts = byKind.map((k) => countOfKind(k.count, k.kind)).join(', ');
  yield `## ${mdText(table)}`;
  yield '';
  yield `<details${changes <= OPEN_TABLE_MAX_CHANGES ? ' open' : ''}>`;
  yield `<summary>${formatCount(changes)} change${changes === 1 ? '' : 's'}: ${htmlText(counts)}${conflictsShown && view.count(table, 'conflict') ? ' (the conflicts are above)' : ''}</summary>`;
  yield '';
  for (const { kind } of byKind) {
    if (conflictsShown && kind === 'conflict') continue;
    yield* changesOf(view, table, kind, options.limit === undefined ? undefined : Math.max(0, options.limit), budget);
  }
  yield '</details>';
  yield '';
}

function renderChange(change: Change, out: string[], decisions: Decisions): void {
  const notes = EvidenceFootnotes.forChange(change);
  switch (change.kind) {
    case 'insert':
      out.push(`#### ＋ insert ${mdText(change.id)}`, '');
      if (change.keyAssigned) out.push('New key taken from the sequence (no source carries one).', '');
      for (const [column, ref] of Object.entries(change.keyRefs ?? {})) out.push(`${mdText(column)}: ${mdText(keyRefText(change, ref))}`, '');
      valuesTable(change, notes, out);
      break;
    case 'update':
      out.push(`#### ～ update ${mdText(change.id)}`, '');
      out.push('| column | backup now | after the patch | from |', '|---|---|---|---|');
      for (const [column, value] of Object.entries(change.values)) {
        out.push(`| ${mdText(column)}${marker(change, column)} | ${mdValue(own(change.old, column))} | ${mdValue(value)} | ${cite(notes.numberAll(own(change.evidence, column)))} |`);
      }
      out.push('');
      break;
    case 'conflict':
      out.push(`#### ⚠ conflict ${mdText(change.id)}`, '');
      out.push('**Not written until decided**: sources disagree and no rule decides.', '');
      conflictTable(change, notes, out);
      out.push(`**${mdText(decisionLine(decisions, change))}**`, '');
      if (Object.keys(change.values).length) {
        out.push('What the sources agree on:', '');
        valuesTable(change, notes, out);
      }
      break;
    case 'unrecoverable':
      out.push(`#### ✕ unrecoverable ${mdText(change.id)}`, '');
      out.push(`**Cannot be rebuilt** (${mdText(reasonText(change.reason))})${change.detail ? `: ${mdText(change.detail)}` : ''}`, '');
      if (Object.keys(change.values).length) {
        out.push('What is known:', '');
        valuesTable(change, notes, out);
      }
      break;
  }
  const remarks = [
    ...(change.confidence ? [confidenceLine(change.confidence)] : []),
    ...Object.entries(change.disagreements ?? {}).map(([column, d]) => disagreementLine(column, d, notes)),
    ...(change.defaulted?.length ? [`left to the database (default or NULL): ${change.defaulted.map(mdText).join(', ')}`] : []),
    ...(change.notes ?? []).map((n) => `note: ${mdText(n)}`),
  ];
  if (remarks.length) out.push(...remarks.map((r) => `- ${r}`), '');
  if (notes.list.length) {
    out.push('Evidence:', '');
    notes.list.forEach((e, i) => out.push(`${i + 1}. ${evidenceLine(e)}`));
    out.push('');
  }
}

function valuesTable(change: Change, notes: EvidenceFootnotes, out: string[]): void {
  out.push('| column | value | from |', '|---|---|---|');
  for (const [column, value] of Object.entries(change.values)) {
    out.push(`| ${mdText(column)}${marker(change, column)} | ${mdValue(value)} | ${cite(notes.numberAll(own(change.evidence, column)))} |`);
  }
  out.push('');
}

function conflictTable(change: Change, notes: EvidenceFootnotes, out: string[]): void {
  out.push('| column | backup now | a source says | from |', '|---|---|---|---|');
  for (const [column, alternatives] of Object.entries(change.conflicts ?? {})) {
    const old = own(change.old, column) !== undefined ? mdValue(own(change.old, column)) : '';
    alternatives.forEach((a: Alternative, i) => {
      out.push(`| ${i === 0 ? `**${mdText(column)}**` : ''} | ${i === 0 ? old : ''} | ${mdValue(a.value)} | ${cite(notes.numberAll(a.evidence))} |`);
    });
  }
  out.push('');
}

/**
 * "confidence **0.80**: matched the backup row by email; only payments says so". The
 * reasons go with the number because a reviewer must see why, not just how sure; they
 * name columns and sources, which come from outside, so they are escaped like data.
 * No band (auto-accept, needs review): the gates live in decisions.yaml, which the
 * report does not read, and guessing them here would contradict `patch`.
 */
function confidenceLine(confidence: NonNullable<Change['confidence']>): string {
  const reasons = confidence.reasons.map(mdText).join('; ');
  return `confidence **${scoreText(confidence.score)}**${reasons ? `: ${reasons}` : ''}`;
}

/** "chose X by prefer: payments > calendar; calendar said Y (2)" */
function disagreementLine(column: string, d: Disagreement, notes: EvidenceFootnotes): string {
  const others = d.alternatives
    .filter((a) => a.value !== d.chosen)
    .map((a) => `${sourceNames(a.evidence)} said ${mdValue(a.value)}${citeInline(notes.numberAll(a.evidence))}`);
  return `⚖ **${mdText(column)}**: sources disagreed; chose ${mdValue(d.chosen)} by ${mdText(d.by)}${others.length ? `; ${others.join('; ')}` : ''}`;
}

function marker(change: Change, column: string): string {
  return own(change.disagreements, column) ? ' ⚖' : '';
}

function evidenceLine(e: Evidence): string {
  const record = e.record && !e.ref.endsWith(e.record) ? ` (record ${mdText(e.record)})` : '';
  return `**${mdText(e.source)}** ${code(e.ref)}${record} by rule ${mdText(e.rule)}`;
}

function sourceNames(evidence: Evidence[]): string {
  return [...new Set(evidence.map((e) => e.source))].map(mdText).join(' and ') || 'a source';
}

function cite(numbers: number[]): string {
  return numbers.join(', ');
}

function citeInline(numbers: number[]): string {
  return numbers.length ? ` (${cite(numbers)})` : '';
}

/** The pull's rejections, per source and kind, from the ledger (rule `pull`). */
export function unreadableBySource(changeset: ChangesetHead): Array<{ source: string; what: string; count: number; location: string; reason: string }> {
  return changeset.sources.flatMap((s) =>
    (s.rejectedBy ?? [])
      .filter((r) => r.rule === 'pull')
      .map((r) => ({ source: s.name, what: r.column, count: r.count, location: r.example.ref, reason: r.example.message })),
  );
}
