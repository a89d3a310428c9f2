import { collectGarbage } from '../runtime/memory.js';
import { sqlComment } from '../sql/dml.js';
import type { QualifiedName } from '../sql/identifier.js';
import type { SqlValue } from '../sql/literal.js';
import { copyBlockOfLines, copyRow, createStage, stageTable, type StageColumn } from '../sql/staged.js';
import type { AcceptedChanges } from './accepted-changes.js';
import type { SourceRule } from './patch-row.js';
import type { SqlFileBuilder } from './sql-file.js';

/**
 * Writes the staging table and its COPY block for the rows of `ordinals`, after one
 * comment that sums up where the rows come from (each row's own evidence is in
 * changeset.json). `table` is the table the staging columns are typed like, and its
 * manifest name. Each row is made its line of COPY data as it comes (`cells` reads it
 * back if it needs to): a block of a hundred thousand rows is never held as rows.
 */
export function stageRows(
  out: SqlFileBuilder,
  table: QualifiedName & { table: string },
  accepted: AcceptedChanges,
  ordinals: ArrayLike<number> & Iterable<number>,
  columns: StageColumn[],
  cells: (ordinal: number) => SqlValue[],
): QualifiedName {
  const names = columns.map((c) => c.name);
  const lines: string[] = [];
  const origins = new OriginTally();
  for (const i of ordinals) {
    origins.add(accepted.sourceRules(i));
    lines.push(copyRow(names, cells(i)));
  }
  const first = ordinals.length ? accepted.id(ordinals[0] as number) : '';
  const last = ordinals.length ? accepted.id(ordinals[ordinals.length - 1] as number) : '';
  const stage = stageTable(out.nextStage());
  out.raw(sqlComment(`${lines.length} ${lines.length === 1 ? 'row' : 'rows'}, ${first} .. ${last}, staged in ${stage.name}; from ${origins.summary()}; each row's evidence is in changeset.json under its id`));
  out.statement('stage', table.table, createStage(stage, table, columns), 0);
  out.statement('copy', table.table, copyBlockOfLines(stage, names, lines), lines.length);
  // The block's text, tens of megabytes, is written: collected now, it does not grow the heap for the next one.
  collectGarbage();
  return stage;
}

/** Rows per source and rule; a row counts once per source and rule however many columns cite them. */
class OriginTally {
  private readonly rows = new Map<string, Map<string, number>>();

  /** One row's sources and rules, each once (sourceRulesOf). */
  add(sourceRules: readonly SourceRule[]): void {
    for (const [source, rule] of sourceRules) {
      let rules = this.rows.get(source);
      if (!rules) this.rows.set(source, (rules = new Map()));
      rules.set(rule, (rules.get(rule) ?? 0) + 1);
    }
  }

  /** "stripe (payments.yaml#charge) 99000, csv (payments.yaml#row) 1000", the largest first. */
  summary(): string {
    const sorted = [...this.rows].flatMap(([source, rules]) => [...rules].map(([rule, n]) => [`${source} (${rule})`, n] as const)).sort((a, b) => b[1] - a[1]);
    const shown = sorted.slice(0, 6).map(([origin, n]) => `${origin} ${n}`);
    return `${shown.join(', ')}${sorted.length > 6 ? `, +${sorted.length - 6} more` : ''}` || 'no evidence';
  }
}
