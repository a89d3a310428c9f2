import type { ColumnDifference, RecoveryReport, RowDifferences, TableGrade } from './compare.js';

/**
 * The grade of a recovery for a terminal: one line per table, then what was not
 * recovered and why, the expected gaps grouped by reason. Long lists are cut
 * short; the RecoveryReport object has them whole.
 */

const LIST_LIMIT = 8;

const COLUMNS: ReadonlyArray<readonly [string, (t: TableGrade) => number]> = [
  ['lost', (t) => t.lost],
  ['recovered', (t) => t.recovered],
  ['partial', (t) => t.partial],
  ['wrong', (t) => t.wrong],
  ['missing(expected)', (t) => t.missing.expected],
  ['missing(unexpected)', (t) => t.missing.unexpected],
  ['damaged', (t) => t.damaged],
  ['spurious', (t) => t.spurious],
  ['held', (t) => t.held],
];

function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, LIST_LIMIT).join(', ');
  return keys.length > LIST_LIMIT ? `${shown}, … ${keys.length - LIST_LIMIT} more` : shown;
}

function show(value: string | null): string {
  return value === null ? 'NULL' : JSON.stringify(value);
}

function differenceText(d: ColumnDifference): string {
  return `${d.column} expected ${show(d.expected)}, got ${show(d.actual)}`;
}

function rowLines(table: string, rows: readonly RowDifferences[]): string[] {
  const lines = rows.slice(0, LIST_LIMIT).map((r) => `  ${table} ${r.key}: ${r.differences.map(differenceText).join('; ')}`);
  if (rows.length > LIST_LIMIT) lines.push(`  ${table}: … ${rows.length - LIST_LIMIT} more`);
  return lines;
}

function countTable(report: RecoveryReport): string[] {
  const header = ['table', ...COLUMNS.map(([name]) => name)];
  const totals = ['total', ...COLUMNS.map(([, count]) => String(report.tables.reduce((sum, t) => sum + count(t), 0)))];
  const body = report.tables.map((t) => [t.table, ...COLUMNS.map(([, count]) => String(count(t)))]);
  const rows = [header, ...body, totals];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '));
}

export function formatRecoveryReport(report: RecoveryReport): string {
  const lines = [`Recovery of the sample incident (backup ${report.window.from}, loss ${report.window.to})`, '', ...countTable(report)];
  const section = (title: string, body: string[]) => {
    if (body.length > 0) lines.push('', title, ...body);
  };

  section(
    'Expected gaps (no export carries enough to rebuild them):',
    report.tables.flatMap((t) =>
      Object.entries(t.details.missingExpected).flatMap(([reason, keys]) => [`  ${t.table} × ${keys.length}: ${reason}`, `      ${keyList(keys)}`]),
    ),
  );
  section(
    'Partial rows (right except columns no export carries):',
    report.tables.flatMap((t) => {
      const byColumn = new Map<string, string[]>();
      for (const row of t.details.partial) for (const d of row.differences) byColumn.set(d.column, [...(byColumn.get(d.column) ?? []), row.key]);
      return [...byColumn].map(([column, keys]) => `  ${t.table}.${column} × ${keys.length}: ${keyList(keys)}`);
    }),
  );
  section('Wrong rows:', report.tables.flatMap((t) => rowLines(t.table, t.details.wrong)));
  section(
    'Missing although the exports could rebuild them:',
    report.tables.filter((t) => t.details.missingUnexpected.length > 0).map((t) => `  ${t.table} × ${t.details.missingUnexpected.length}: ${keyList(t.details.missingUnexpected)}`),
  );
  section(
    'Damaged backup rows (production never changed them):',
    report.tables.flatMap((t) => [
      ...rowLines(t.table, t.details.damaged.filter((d) => d.problem === 'changed')),
      ...t.details.damaged.filter((d) => d.problem === 'gone').slice(0, LIST_LIMIT).map((d) => `  ${t.table} ${d.key}: row is gone`),
    ]),
  );
  section(
    'Spurious rows (not in production at all):',
    report.tables.filter((t) => t.spurious > 0).map((t) => `  ${t.table} × ${t.spurious}: ${keyList(t.details.spurious)}`),
  );
  section(
    'Held for a person (not written until someone decides: salvage review, or decisions.yaml):',
    report.tables.flatMap((t) => t.details.held.slice(0, LIST_LIMIT).map((h) => `  ${t.table} ${h.key}: ${h.why}`)),
  );
  if (report.live) {
    const live = report.live;
    lines.push(
      '',
      `Live rows written after the restart: ${live.rows}; ${live.changed.length === 0 ? 'every one untouched by the recovery' : `${live.changed.length} CHANGED by the recovery`}` +
        (live.filled.length ? ` (empty columns filled: ${keyList(live.filled)})` : ''),
      ...live.changed.slice(0, LIST_LIMIT).map((c) => `  ${c}`),
    );
  }
  lines.push(
    '',
    report.clean
      ? `Verdict: clean — every gap is one the exports could not fill${report.tables.some((t) => t.held) ? ', or one held for a person' : ''}.`
      : 'Verdict: NOT clean — see the problems above.',
  );
  return lines.join('\n');
}
