import type { Change, Changeset, Evidence } from '../reconcile/changeset.js';
import { hasOwn, own } from '../reconcile/own.js';

export interface TextReportOptions {
  color?: boolean;
  /** Show at most this many changes per kind and table (default: all). */
  limit?: number;
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

/** The terminal review: a summary per table, then each change with its evidence. */
export function renderText(changeset: Changeset, options: TextReportOptions = {}): string {
  const p = options.color ? ansi : plain;
  const out: string[] = [];
  out.push(p.bold(`salvage changeset for ${changeset.backup.database} (${changeset.createdAt})`));
  out.push(`window: ${changeset.window.from} -> ${changeset.window.to} (records written since ${changeset.window.since})`);
  for (const s of changeset.sources) {
    out.push(`source ${s.name}: ${s.records} records = ${s.mapped ?? '?'} mapped + ${s.unmapped ?? '?'} matched no rule + ${s.rejected ?? '?'} rejected`);
    for (const r of s.rejectedBy ?? []) out.push(p.warn(`  rejected ${r.count} by ${r.rule} (${r.column}), e.g. ${r.example.ref}: ${r.example.message}`));
  }
  out.push('');
  out.push(summaryTable(changeset));
  out.push('');
  for (const u of changeset.unmapped) {
    out.push(p.warn(`unmapped: ${u.count} ${u.type} records of ${u.source} matched no rule (e.g. ${u.samples.slice(0, 3).join(', ')})`));
  }
  if (changeset.failures.count) {
    out.push(p.warn(`rule failures: ${changeset.failures.count} (a transform could not convert a value; the record produced nothing for that rule)`));
    for (const f of changeset.failures.samples.slice(0, 10)) out.push(p.warn(`  ${f.ref} ${f.rule} ${f.column}: ${f.message}`));
  }
  if (changeset.unmapped.length || changeset.failures.count) out.push('');

  for (const table of changeset.tables) {
    const changes = changeset.changes.filter((c) => c.table === table.table);
    if (changes.length === 0) continue;
    out.push(p.bold(`== ${table.table}`));
    for (const kind of ['insert', 'update', 'conflict', 'unrecoverable'] as const) {
      const list = changes.filter((c) => c.kind === kind);
      const shown = options.limit === undefined ? list : list.slice(0, options.limit);
      for (const change of shown) out.push(renderChange(change, p));
      if (shown.length < list.length) out.push(p.dim(`   ... ${list.length - shown.length} more ${kind}s (diff --format json shows all)`));
    }
    out.push('');
  }
  return out.join('\n');
}

function summaryTable(changeset: Changeset): string {
  const head = ['table', 'insert', 'update', 'unchanged', 'conflict', 'unrecoverable'];
  const rows = changeset.tables.map((t) => [
    t.table,
    ...[t.counts.insert, t.counts.update, t.counts.unchanged, t.counts.conflict, t.counts.unrecoverable].map(String),
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

function renderChange(change: Change, p: Palette): string {
  const lines: string[] = [];
  switch (change.kind) {
    case 'insert':
      lines.push(p.add(`+ ${change.id}${change.keyAssigned ? ' (new key from the sequence)' : ''}`));
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
