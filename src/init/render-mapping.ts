import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { tableKey } from '../db/catalog.js';
import type { PlannedRule, PlannedTable } from './plan-types.js';
import { comment, flow, scalar, type FlowValue } from './yaml-text.js';

/**
 * One table's starter mapping as YAML for people: the decisions of the plan, each
 * with its reason beside it, every column of the table accounted for (filled, or a
 * comment saying why not), TODOs where a person must decide.
 */
export function renderMapping(plan: PlannedTable, writtenAt: Date): string {
  const lines: string[] = [
    `# ${tableKey(plan.table)}: a starter mapping written by "salvage init" on ${writtenAt.toISOString().slice(0, 10)}.`,
    '# Every guess says why beside it. Fill each TODO (the loader refuses them, and',
    '# "salvage check" lists them with their lines), correct what is wrong, drop what you do not want.',
    ...describeColumns(plan.table),
    `table: ${scalar(plan.name)}`,
  ];
  if (plan.match) lines.push(`match: ${flow(plan.match)}${comment(plan.matchWhy)}`);
  else lines.push(`# match: ${plan.matchWhy}`);
  if (plan.prefer.length) lines.push(`prefer: ${flow(plan.prefer)}${comment(plan.preferWhy)}`);
  if (plan.merge.length) {
    lines.push('merge:');
    for (const m of plan.merge) lines.push(`  ${scalar(m.column)}: ${flow(m.policy)}${comment(m.why)}`);
  }
  if (plan.keepExisting.length) {
    lines.push(`keep_existing: ${flow(plan.keepExisting)}${comment('a row the backup already has keeps its creation time; only new rows take it from a source')}`);
  }
  lines.push('rules:');
  plan.rules.forEach((rule, i) => {
    if (i > 0) lines.push('');
    lines.push(...renderRule(rule, plan.table));
  });
  return `${lines.join('\n')}\n`;
}

function renderRule(rule: PlannedRule, table: CatalogTable): string[] {
  const { family } = rule;
  const lines = [
    `  # ${capitalize(family.describe)}: ${rule.anchor.why}.`,
    `  # Fields known from ${family.evidence}.`,
    `  - name: ${scalar(family.name)}`,
    `    source: ${family.sources.length === 1 ? scalar(family.sources[0] as string) : flow(family.sources)}`,
    `    type: ${scalar(family.type)}`,
  ];
  if (rule.when.length) {
    lines.push('    when:');
    for (const w of rule.when) lines.push(`      ${scalar(w.path)}: ${flow(w.condition)}${comment(w.why)}`);
  }
  if (rule.extracts.length) {
    lines.push('    extract:');
    for (const e of rule.extracts) {
      lines.push(`      - from: ${scalar(e.from)}`, `        pattern: ${scalar(e.pattern)}`);
      if (e.flags) lines.push(`        flags: ${scalar(e.flags)}`);
      lines.push(`        optional: true${comment(e.why)}`);
    }
  }
  lines.push('    columns:');
  for (const column of table.columns) {
    if (column.generated) continue;
    const planned = rule.columns.find((c) => c.column === column.name);
    if (planned) {
      lines.push(`      ${scalar(column.name)}: ${flow(planned.spec as FlowValue)}${comment(planned.why)}`);
      continue;
    }
    const left = rule.leftOut.find((l) => l.column === column.name);
    if (left) lines.push(`      # ${column.name}: ${left.why}`);
  }
  return lines;
}

/** The table's shape at the top of the file, so the author need not open a SQL client. */
function describeColumns(table: CatalogTable): string[] {
  const parts = table.columns.map((c) => describeColumn(c, table));
  const lines: string[] = [];
  let line = '# Columns:';
  for (const part of parts) {
    if (line.length + part.length > 100) {
      lines.push(line);
      line = '#  ';
    }
    line += ` ${part};`;
  }
  lines.push(line.replace(/;$/, '.'));
  return lines;
}

function describeColumn(column: CatalogColumn, table: CatalogTable): string {
  const notes: string[] = [];
  if (table.primaryKey.includes(column.name)) notes.push('primary key');
  else if (column.notNull) notes.push('NOT NULL');
  if (column.default !== null || column.identity) notes.push('default');
  if (column.generated) notes.push('generated');
  const fk = table.foreignKeys.find((f) => f.columns.includes(column.name));
  if (fk) notes.push(`-> ${fk.references.name}`);
  return `${column.name} ${column.type}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
