import type { Change } from '../changeset/changeset.js';
import { sqlComment } from '../sql/dml.js';
import type { QualifiedName } from '../sql/identifier.js';
import type { SqlValue } from '../sql/literal.js';
import { copyBlock, createStage, stageTable, type StageColumn } from '../sql/staged.js';
import type { SqlFileBuilder } from './sql-file.js';

/**
 * Writes the staging table and its COPY block for `changes`, after one comment that
 * sums up where the rows come from (each row's own evidence is in changeset.json).
 * `table` is the table the staging columns are typed like, and its manifest name.
 */
export function stageRows(out: SqlFileBuilder, table: QualifiedName & { table: string }, changes: Change[], columns: StageColumn[], cells: (change: Change) => SqlValue[]): QualifiedName {
  const stage = stageTable(out.nextStage());
  const first = changes[0]?.id ?? '';
  const last = changes.at(-1)?.id ?? '';
  out.raw(sqlComment(`${changes.length} ${changes.length === 1 ? 'row' : 'rows'}, ${first} .. ${last}, staged in ${stage.name}; from ${provenanceSummary(changes)}; each row's evidence is in changeset.json under its id`));
  out.statement('stage', table.table, createStage(stage, table, columns), 0);
  out.statement('copy', table.table, copyBlock(stage, columns.map((c) => c.name), changes.map(cells)), changes.length);
  return stage;
}

/** "stripe (payments.yaml#charge) 99000, csv (payments.yaml#row) 1000": rows per source and rule. */
function provenanceSummary(changes: Change[]): string {
  // source -> rule -> rows; a row counts once per source and rule however many columns cite them.
  const rows = new Map<string, Map<string, number>>();
  const seen: Array<{ source: string; rule: string }> = [];
  for (const change of changes) {
    seen.length = 0;
    for (const list of Object.values(change.evidence)) {
      for (const e of list) if (!seen.some((s) => s.source === e.source && s.rule === e.rule)) seen.push(e);
    }
    for (const { source, rule } of seen) {
      let rules = rows.get(source);
      if (!rules) rows.set(source, (rules = new Map()));
      rules.set(rule, (rules.get(rule) ?? 0) + 1);
    }
  }
  const sorted = [...rows].flatMap(([source, rules]) => [...rules].map(([rule, n]) => [`${source} (${rule})`, n] as const)).sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, 6).map(([origin, n]) => `${origin} ${n}`);
  return `${shown.join(', ')}${sorted.length > 6 ? `, +${sorted.length - 6} more` : ''}` || 'no evidence';
}
