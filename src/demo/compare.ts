import { DEMO_TABLES, type DemoTable } from '../sql/demo-schema.js';
import { NATURAL_KEYS, columnsOf, kindOf, sameValue } from './columns.js';
import type { Incident, IncidentRows, Row } from './incident-types.js';

export { formatRecoveryReport } from './recovery-report-format.js';

/**
 * Grades a recovery of the sample incident against the truth. Only rows LOST
 * since the backup count (new in production, or changed since the backup); rows
 * are matched by natural key, because a recovery gives new rows new ids.
 */

export interface ColumnDifference {
  column: string;
  expected: string | null;
  actual: string | null;
}

export interface RowDifferences {
  /** The row's natural key (customers.email, bookings.reference, ...). */
  key: string;
  differences: ColumnDifference[];
}

export interface TableGrade {
  table: DemoTable;
  /** Rows in production that the backup lacks or holds in an older state. */
  lost: number;
  /** Lost rows rebuilt with every column right. */
  recovered: number;
  /** Lost rows right except in columns no export carries (truth.unknownColumns). */
  partial: number;
  /** Lost rows rebuilt with some other column wrong. */
  wrong: number;
  /** Lost rows absent from the recovery, or still in their stale backup state (the change was not recovered). */
  missing: {
    /** Missing rows the truth says no export can rebuild. */
    expected: number;
    /** Missing rows that the exports could have rebuilt. */
    unexpected: number;
  };
  /** Backup rows production never changed, but the recovery lost or altered. */
  damaged: number;
  /** Recovered rows whose natural key production does not have (invented rows). */
  spurious: number;
  /** Lost rows salvage held for a person: a conflict with the live database, or a row that depends on one. */
  held: number;
  details: {
    partial: RowDifferences[];
    wrong: RowDifferences[];
    /** reason -> natural keys */
    missingExpected: Record<string, string[]>;
    missingUnexpected: string[];
    damaged: Array<RowDifferences & { problem: 'gone' | 'changed' }>;
    spurious: string[];
    held: Array<{ key: string; why: string }>;
  };
}

/** The live database's own writes after the restart, as the grading sees them. */
export interface LiveGrade {
  /** Rows the live app wrote after the restart. */
  rows: number;
  /** Live values the recovery overwrote, and live rows it removed: must be none. */
  changed: string[];
  /** Empty live columns the recovery filled from the sources. */
  filled: string[];
}

/** What the live app wrote after the restart, and what salvage held for a person (table -> natural key -> why). */
export interface LiveContext {
  rows: IncidentRows;
  held: Record<string, Record<string, string>>;
}

export interface RecoveryReport {
  window: { from: string; to: string };
  tables: TableGrade[];
  /** The live rows, when the target kept taking writes after the restart. */
  live?: LiveGrade;
  /** No wrong, unexpectedly missing, damaged or spurious row anywhere, and every live row intact. */
  clean: boolean;
}

/** Rows of one table indexed by natural key and by id, for parent look-ups. */
interface TableIndex {
  byKey: Map<string, Row>;
  /** Same rows by a forgiving key (trimmed, lower-case, NFC), to report near-misses as wrong rather than missing. */
  byLooseKey: Map<string, Row>;
  byId: Map<string, Row>;
}

type Indexes = Record<DemoTable, TableIndex>;

const looseKey = (key: string) => key.trim().normalize('NFC').toLowerCase();

function indexRows(table: DemoTable, rows: readonly Row[]): TableIndex {
  const keyColumn = NATURAL_KEYS[table];
  const index: TableIndex = { byKey: new Map(), byLooseKey: new Map(), byId: new Map() };
  for (const row of rows) {
    const key = row[keyColumn];
    if (typeof key === 'string') {
      index.byKey.set(key, row);
      if (!index.byLooseKey.has(looseKey(key))) index.byLooseKey.set(looseKey(key), row);
    }
    const id = row['id'];
    if (typeof id === 'string') index.byId.set(id, row);
  }
  return index;
}

function indexAll(rows: IncidentRows): Indexes {
  const indexes = {} as Indexes;
  for (const table of DEMO_TABLES) indexes[table] = indexRows(table, rows[table]);
  return indexes;
}

/** The natural key of the parent a foreign key points at, or a note saying it points nowhere. */
function parentKey(indexes: Indexes, parent: DemoTable, id: string | null): string | null {
  if (id === null) return null;
  const row = indexes[parent].byId.get(id);
  return row ? (row[NATURAL_KEYS[parent]] ?? null) : `(no ${parent} row with id ${id})`;
}

/** Column differences of a lost row, references compared through the parents' natural keys. */
function lostRowDifferences(
  table: DemoTable,
  expected: Row,
  actual: Row,
  truthIndexes: Indexes,
  recoveredIndexes: Indexes,
): ColumnDifference[] {
  const differences: ColumnDifference[] = [];
  for (const column of columnsOf(table)) {
    const kind = kindOf(table, column);
    if (kind.kind === 'surrogate') continue;
    let want = expected[column] ?? null;
    let got = actual[column] ?? null;
    if (kind.kind === 'reference') {
      want = parentKey(truthIndexes, kind.table, want);
      got = parentKey(recoveredIndexes, kind.table, got);
      // Loosely, as parents are matched: a parent whose key is misspelt is graded once, on the parent.
      if (want === null || got === null ? want !== got : looseKey(want) !== looseKey(got)) {
        differences.push({ column, expected: want, actual: got });
      }
      continue;
    }
    if (!sameValue(kind, want, got)) differences.push({ column, expected: want, actual: got });
  }
  return differences;
}

/** Exact comparison of a row the recovery should have left alone (ids and raw foreign keys included). */
function untouchedRowDifferences(table: DemoTable, expected: Row, actual: Row): ColumnDifference[] {
  const differences: ColumnDifference[] = [];
  for (const column of columnsOf(table)) {
    const kind = kindOf(table, column);
    const want = expected[column] ?? null;
    const got = actual[column] ?? null;
    const same = kind.kind === 'timestamp' || kind.kind === 'numeric' ? sameValue(kind, want, got) : want === got;
    if (!same) differences.push({ column, expected: want, actual: got });
  }
  return differences;
}

function rowsEqual(table: DemoTable, a: Row, b: Row): boolean {
  return untouchedRowDifferences(table, a, b).length === 0;
}

export function compareRecovery(incident: Incident, recovered: IncidentRows, live?: LiveContext): RecoveryReport {
  const production = indexAll(incident.production);
  const backup = indexAll(incident.backup);
  const rebuilt = indexAll(recovered);
  const liveKeys = indexAll(live?.rows ?? { customers: [], bookings: [], payments: [], refunds: [] });
  const tables = DEMO_TABLES.map((table) => gradeTable(table, incident, { production, backup, rebuilt, live: liveKeys }, live?.held[table] ?? {}));
  const liveGrade = live ? gradeLive(live.rows, rebuilt) : undefined;
  const clean = tables.every((t) => t.wrong === 0 && t.missing.unexpected === 0 && t.damaged === 0 && t.spurious === 0) && (liveGrade?.changed.length ?? 0) === 0;
  return { window: { ...incident.window }, tables, ...(liveGrade ? { live: liveGrade } : {}), clean };
}

/** Every row the live app wrote is still there, and every value it wrote is unchanged (empty ones may be filled). */
function gradeLive(rows: IncidentRows, rebuilt: Indexes): LiveGrade {
  const grade: LiveGrade = { rows: 0, changed: [], filled: [] };
  for (const table of DEMO_TABLES) {
    for (const row of rows[table]) {
      grade.rows++;
      const key = `${table} ${row[NATURAL_KEYS[table]] ?? row['id']}`;
      const now = rebuilt[table].byId.get(row['id'] ?? '');
      if (!now) {
        grade.changed.push(`${key}: gone`);
        continue;
      }
      for (const column of columnsOf(table)) {
        const was = row[column] ?? null;
        const is = now[column] ?? null;
        if (was === null && is !== null) grade.filled.push(`${key}.${column}`);
        else if (!sameValue(kindOf(table, column), was, is)) grade.changed.push(`${key}: ${column} was ${JSON.stringify(was)}, is ${JSON.stringify(is)}`);
      }
    }
  }
  return grade;
}

function gradeTable(
  table: DemoTable,
  incident: Incident,
  indexes: { production: Indexes; backup: Indexes; rebuilt: Indexes; live: Indexes },
  held: Record<string, string>,
): TableGrade {
  const keyColumn = NATURAL_KEYS[table];
  const unrecoverable = incident.truth.unrecoverable[table] ?? {};
  const unknownColumns = incident.truth.unknownColumns[table] ?? {};
  const grade: TableGrade = {
    table,
    lost: 0,
    recovered: 0,
    partial: 0,
    wrong: 0,
    missing: { expected: 0, unexpected: 0 },
    damaged: 0,
    spurious: 0,
    held: 0,
    details: { partial: [], wrong: [], missingExpected: {}, missingUnexpected: [], damaged: [], spurious: [], held: [] },
  };
  const rebuilt = indexes.rebuilt[table];

  for (const row of incident.production[table]) {
    const key = row[keyColumn] ?? '';
    const before = indexes.backup[table].byId.get(row['id'] ?? '');
    if (before && rowsEqual(table, before, row)) continue;
    grade.lost++;
    const why = held[key];
    if (why !== undefined) {
      grade.held++;
      grade.details.held.push({ key, why });
      continue;
    }
    const found = rebuilt.byKey.get(key) ?? rebuilt.byLooseKey.get(looseKey(key));
    // The backup's stale row, left as it was, means the change was not recovered: missing, not wrong.
    const actual = found && before && rowsEqual(table, before, found) ? undefined : found;
    if (!actual) {
      const reason = unrecoverable[key];
      if (reason !== undefined) {
        grade.missing.expected++;
        (grade.details.missingExpected[reason] ??= []).push(key);
      } else {
        grade.missing.unexpected++;
        grade.details.missingUnexpected.push(key);
      }
      continue;
    }
    const differences = lostRowDifferences(table, row, actual, indexes.production, indexes.rebuilt);
    const unknown = unknownColumns[key] ?? {};
    if (differences.length === 0) grade.recovered++;
    else if (differences.every((d) => d.column in unknown)) {
      grade.partial++;
      grade.details.partial.push({ key, differences });
    } else {
      grade.wrong++;
      grade.details.wrong.push({ key, differences });
    }
  }

  for (const before of incident.backup[table]) {
    const now = indexes.production[table].byId.get(before['id'] ?? '');
    if (now && !rowsEqual(table, before, now)) continue; // production changed it: graded as lost above
    const key = before[keyColumn] ?? '';
    const actual = rebuilt.byKey.get(key);
    if (!actual) {
      grade.damaged++;
      grade.details.damaged.push({ key, problem: 'gone', differences: [] });
      continue;
    }
    const differences = untouchedRowDifferences(table, before, actual);
    if (differences.length > 0) {
      grade.damaged++;
      grade.details.damaged.push({ key, problem: 'changed', differences });
    }
  }

  const productionKeys = indexes.production[table].byKey;
  // Rows the recovery made up: a staff meeting turned into a booking, say.
  for (const row of rebuilt.byKey.values()) {
    const key = row[keyColumn] ?? '';
    if (productionKeys.has(key) || indexes.production[table].byLooseKey.has(looseKey(key)) || indexes.live[table].byKey.has(key)) continue;
    grade.spurious++;
    grade.details.spurious.push(key);
  }
  return grade;
}
