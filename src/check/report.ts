import path from 'node:path';
import { formatProblem, type Problem } from '../errors.js';
import type { RuleStats, SourceStats } from './rule-stats.js';

export interface CheckReport {
  config: string;
  mappingsDir: string;
  /** The backup whose schema the mappings were checked against (absent: it could not be read). */
  backup?: { database: string; describe: string };
  /** Everything that stops a reconcile, in file and line order. Empty: ok. */
  problems: Problem[];
  /** What does not stop a reconcile but will stop a later step (a source's secret not exported). */
  warnings: Problem[];
  /** Mapping files that did not load: their rules could not be checked further or run. */
  unloaded: string[];
  /** Per rule, over the records pulled so far (all zero when nothing is pulled). */
  rules: RuleStats[];
  sources: SourceStats[];
  ok: boolean;
}

/** In reading order: file, then line, then column, as an editor walks them. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

export function formatCheckReport(report: CheckReport): string {
  const out: string[] = [];
  out.push(`Checked ${report.config} and the mappings in ${report.mappingsDir}${report.backup ? ` against the backup ${report.backup.describe}` : ''}.`);
  if (report.problems.length) {
    out.push('', `${count(report.problems.length, 'problem')}:`, ...report.problems.map((p) => `  ${formatProblem(p)}`));
  }
  if (report.warnings.length) out.push('', 'Warnings:', ...report.warnings.map((p) => `  ${formatProblem(p)}`));
  if (report.unloaded.length) {
    out.push('', `Not loaded, so not checked against the schema nor run (fix their problems first): ${report.unloaded.map((f) => path.basename(f)).join(', ')}`);
  }

  const pulled = report.sources.filter((s) => s.pulled);
  if (pulled.length === 0) {
    out.push('', 'No records pulled yet: run "salvage pull", then check again to see what each rule makes of them.');
  } else {
    out.push('', 'Rules, over the records pulled so far:');
    for (const rule of report.rules) out.push(...formatRule(rule));
  }
  if (report.rules.length) {
    out.push('', 'Where each rule runs (sql: compiled to one query in the work database; worker: mapped in JavaScript):');
    for (const rule of report.rules) out.push(`  ${rule.rule}: ${rule.runs}`);
  }
  out.push('', 'Sources:');
  for (const s of report.sources) {
    if (!s.pulled) {
      out.push(`  ${s.name} (${s.kind}): not pulled yet ("salvage pull --source ${s.name}")`);
      continue;
    }
    out.push(`  ${s.name} (${s.kind}): ${count(s.records, 'record')}`);
    for (const u of s.unmatched) out.push(`    ${count(u.count, `${u.type} record`)} matched no rule, e.g. ${u.samples.join(', ')}`);
  }
  out.push('', report.ok ? 'OK: no problems.' : `${count(report.problems.length, 'problem')}: fix them and run "salvage check" again.`);
  return out.join('\n');
}

function formatRule(rule: RuleStats): string[] {
  const where = rule.position.line ? `${path.basename(rule.position.file)}:${rule.position.line}` : path.basename(rule.position.file);
  const parts = [`${rule.matched} matched`, `${rule.failed} failed`];
  if (rule.keyless) parts.push(`${rule.keyless} without a match key (they cannot join other rows)`);
  if (rule.unfit) parts.push(`${rule.unfit} with a value its column cannot hold exactly (unrecoverable)`);
  const out = [`  ${rule.rule} -> ${rule.table} (${where}): ${parts.join(', ')}`];
  if (rule.matched === 0 && rule.failed === 0) out.push('    no record matched: check its source, type and when');
  rule.samples.forEach((s, i) => {
    const values = Object.entries(s.values).map(([k, v]) => `${k}=${show(v)}`);
    const lookups = Object.entries(s.lookups).map(([k, v]) => `${k}<-${show(v)}`);
    out.push(`    ${i + 1}. ${[...values, ...lookups].join(' ')}`, `       from ${s.ref}`);
  });
  for (const f of rule.failures) out.push(`    failed: ${f.column}: ${f.message} (${f.ref})`);
  for (const f of rule.unfits) out.push(`    does not fit: ${f.column}: ${f.message} (${f.ref})`);
  return out;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const clipped = text.length > 48 ? `${text.slice(0, 45)}...` : text;
  return /[\s=]/.test(clipped) || clipped === '' ? JSON.stringify(clipped) : clipped;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
