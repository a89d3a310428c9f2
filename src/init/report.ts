import type { LossVerdict } from './backup-end.js';

/** What `salvage init` found and wrote, for the terminal and for tests. */
export interface InitReport {
  backup: { database: string; describe: string };
  /** The newest write in the backup: about when it was taken. */
  backupEnd?: { at: string; table: string; column: string };
  window: { from?: string; to: string };
  tables: TableReport[];
  sources: Array<{ name: string; kind: string; sampled: number; pulled?: boolean; note?: string }>;
  /** Files written, relative to the directory init wrote into. */
  files: string[];
  /** TODOs left in the mapping files, each a column or condition a person must write. */
  todos: Array<{ file: string; line: number; text: string }>;
}

export interface TableReport {
  table: string;
  rows: number;
  columns: Array<{ name: string; type: string; notNull: boolean; default: string | null }>;
  primaryKey: string[];
  uniqueKeys: string[][];
  foreignKeys: Array<{ columns: string[]; references: string }>;
  sequences: Array<{ column: string; sequence: string; lastValue: string | null }>;
  /** Write-time columns with their newest value. */
  writeColumns: Array<{ column: string; oldest: string | null; newest: string | null }>;
  newest?: { column: string; at: string };
  lostRows: LossVerdict;
  lostWhy: string;
  /** The mapping file written for it, or why none was. */
  mapping: { file: string; rules: Array<{ name: string; sources: string[]; columns: number; why: string }> } | { none: string };
}

const VERDICT_LABEL: Readonly<Record<LossVerdict, string>> = {
  likely: 'LIKELY lost rows',
  unlikely: 'probably none lost',
  unknown: 'cannot tell',
  empty: 'empty in backup',
};

export function formatInitReport(report: InitReport): string {
  const out: string[] = [];
  out.push(`Backup ${report.backup.describe} (database ${report.backup.database}): ${report.tables.length} tables.`);
  out.push(
    report.backupEnd
      ? `It ends at ${report.backupEnd.at}: the newest write is ${report.backupEnd.table}.${report.backupEnd.column}.`
      : 'No write-time column (created_at, updated_at...) anywhere: set window.from to when the backup was taken.',
  );
  out.push(`Window written to salvage.yaml: from ${report.window.from ?? 'TODO'} to ${report.window.to}.`, '');

  const rows = report.tables.map((t) => [t.table, String(t.rows), t.newest ? `${t.newest.at} (${t.newest.column})` : '-', VERDICT_LABEL[t.lostRows]]);
  out.push(...table(['table', 'rows', 'newest write', 'lost rows?'], rows), '');

  for (const t of report.tables) {
    out.push(`${t.table}: ${t.lostWhy}.`);
    out.push(...wrap('  columns: ', t.columns.map((c) => `${c.name} ${c.type}${c.notNull ? ' NOT NULL' : ''}${c.default !== null ? ' DEFAULT' : ''}`)));
    for (const w of t.writeColumns) out.push(`  write time ${w.column}: ${w.oldest ?? '-'} .. ${w.newest ?? '-'}`);
    const keys = [`primary key (${t.primaryKey.join(', ') || 'none'})`, ...t.uniqueKeys.map((k) => `unique (${k.join(', ')})`)];
    out.push(`  keys: ${keys.join(', ')}`);
    for (const fk of t.foreignKeys) out.push(`  foreign key (${fk.columns.join(', ')}) -> ${fk.references}`);
    for (const s of t.sequences) out.push(`  sequence ${s.sequence} feeds ${s.column} (at ${s.lastValue ?? '?'})`);
    if ('none' in t.mapping) {
      out.push(`  no mapping written: ${t.mapping.none}`);
    } else {
      out.push(`  ${t.mapping.file}:`);
      for (const r of t.mapping.rules) out.push(`    rule ${r.name} (${r.sources.join(', ')}): ${r.columns} columns; ${r.why}`);
    }
  }
  out.push('', 'Sources:');
  for (const s of report.sources) {
    out.push(`  ${s.name} (${s.kind}): ${s.sampled ? `${s.sampled} records sampled${s.pulled ? ' from its pulled records' : ''}, fields chosen on evidence` : s.note ?? 'not sampled'}`);
  }
  out.push('', 'Wrote:', ...report.files.map((f) => `  ${f}`));
  if (report.todos.length) {
    out.push('', `${report.todos.length} TODO${report.todos.length === 1 ? '' : 's'} to fill before the mappings load:`);
    for (const todo of report.todos) out.push(`  ${todo.file}:${todo.line}: ${todo.text}`);
  }
  out.push('', 'Next: export the secrets salvage.yaml names, fill the TODOs, run "salvage pull", then "salvage check".');
  return out.join('\n');
}

/** A list on as many indented lines as it needs. */
function wrap(first: string, items: string[]): string[] {
  const lines: string[] = [];
  let line = first;
  for (const item of items) {
    if (line.length + item.length > 100 && line !== first && line.trim() !== '') {
      lines.push(line.replace(/, $/, ','));
      line = ' '.repeat(first.length);
    }
    line += `${item}, `;
  }
  lines.push(line.replace(/, $/, ''));
  return lines;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
