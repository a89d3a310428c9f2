import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';
import { literal } from './literal.js';

/**
 * The database of the sample incident ("Fjord Kayaks"): its DDL, the statements
 * that load a snapshot of it (the stale backup, or production for tests), and the
 * query that reads a table back. `salvage demo` and the integration tests use it;
 * the product itself never assumes this schema.
 */

export const DEMO_SCHEMA = 'public';

/** Tables in foreign-key order: a table only references tables before it. */
export const DEMO_TABLES = ['customers', 'bookings', 'payments', 'refunds'] as const;
export type DemoTable = (typeof DEMO_TABLES)[number];

/** Every column of each table, in DDL order. */
export const DEMO_COLUMNS: Readonly<Record<DemoTable, readonly string[]>> = {
  customers: ['id', 'email', 'full_name', 'phone', 'created_at'],
  bookings: ['id', 'reference', 'customer_id', 'item', 'starts_at', 'ends_at', 'status', 'total', 'created_at'],
  payments: ['id', 'booking_id', 'stripe_charge_id', 'amount', 'currency', 'status', 'paid_at'],
  refunds: ['id', 'payment_id', 'stripe_refund_id', 'amount', 'refunded_at'],
};

export const DEMO_SCHEMA_SQL = `CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  full_name text NOT NULL,
  phone text,
  created_at timestamptz NOT NULL
);
CREATE TABLE bookings (
  id bigserial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  customer_id bigint NOT NULL REFERENCES customers(id),
  item text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('confirmed','cancelled')),
  total numeric(10,2) NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE payments (
  id bigserial PRIMARY KEY,
  booking_id bigint NOT NULL REFERENCES bookings(id),
  stripe_charge_id text NOT NULL UNIQUE,
  amount numeric(10,2) NOT NULL,
  currency char(3) NOT NULL,
  status text NOT NULL CHECK (status IN ('succeeded','refunded','partially_refunded')),
  paid_at timestamptz NOT NULL
);
CREATE TABLE refunds (
  id bigserial PRIMARY KEY,
  payment_id bigint NOT NULL REFERENCES payments(id),
  stripe_refund_id text NOT NULL UNIQUE,
  amount numeric(10,2) NOT NULL,
  refunded_at timestamptz NOT NULL
);
`;

/** One row as PostgreSQL text forms (null for NULL), keyed by column name. */
export type DemoRow = Record<string, string | null>;
export type DemoRows = Readonly<Record<DemoTable, readonly DemoRow[]>>;

/** Rows per INSERT: big enough to load fast, small enough to keep a statement readable in an error. */
export const DEMO_INSERT_BATCH = 500;

function tableName(table: DemoTable): QualifiedName {
  return { schema: DEMO_SCHEMA, name: table };
}

/**
 * Statements that load `rows` into an empty demo schema: multi-row INSERTs with
 * explicit ids, parents before children, then each sequence moved past the
 * largest id so that rows inserted later (a recovery's new customers) get fresh ids.
 */
export function demoLoadStatements(rows: DemoRows): string[] {
  return demoLoadBatches(rows).map((batch) => batch.sql);
}

/** demoLoadStatements with the number of rows each statement writes (0 for the sequence moves), for a progress line. */
export function demoLoadBatches(rows: DemoRows): Array<{ sql: string; rows: number }> {
  const statements: Array<{ sql: string; rows: number }> = [];
  for (const table of DEMO_TABLES) {
    const columns = DEMO_COLUMNS[table];
    const tableRows = rows[table];
    for (let start = 0; start < tableRows.length; start += DEMO_INSERT_BATCH) {
      const batch = tableRows.slice(start, start + DEMO_INSERT_BATCH);
      const values = batch.map((row) => `(${columns.map((column) => literal(valueOf(row, column, table))).join(', ')})`);
      statements.push({
        sql: `INSERT INTO ${quoteQualified(tableName(table))} (${columns.map(quoteIdent).join(', ')}) VALUES\n${values.join(',\n')}`,
        rows: batch.length,
      });
    }
  }
  for (const table of DEMO_TABLES) statements.push({ sql: demoSetSequenceStatement(table), rows: 0 });
  return statements;
}

/**
 * Moves the table's id sequence so that nextval() returns max(id) + 1 (or 1 when
 * the table is empty: `is_called = false` makes the given value the next one).
 */
export function demoSetSequenceStatement(table: DemoTable): string {
  const qualified = quoteQualified(tableName(table));
  return (
    `SELECT setval(pg_get_serial_sequence(${literal(qualified)}, ${literal('id')}), ` +
    `COALESCE((SELECT max(${quoteIdent('id')}) FROM ${qualified}), 0) + 1, false)`
  );
}

/**
 * Reads a whole table back in id order with every column cast to text, so the
 * result has the same PostgreSQL text forms as `DemoRow` (timestamps in UTC when
 * the session runs with TimeZone=UTC, as every salvage session does).
 */
export function demoSelectTable(table: DemoTable): string {
  const qualified = quoteQualified(tableName(table));
  const columns = DEMO_COLUMNS[table].map((column) => `${quoteIdent(column)}::text AS ${quoteIdent(column)}`);
  // Ordered by the table's bigint id, qualified: a bare "id" would name the text output column (and sort '10' before '2').
  return `SELECT ${columns.join(', ')} FROM ${qualified} ORDER BY ${qualified}.${quoteIdent('id')}`;
}

function valueOf(row: DemoRow, column: string, table: DemoTable): string | null {
  const value = row[column];
  if (value === undefined) throw new Error(`a ${table} row has no "${column}" value (use null for NULL)`);
  return value;
}
