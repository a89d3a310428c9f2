import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CatalogColumn, CatalogTable } from '../../src/db/catalog-types.js';
import type { BoundMapping } from '../../src/mapping/check-catalog.js';
import type { Candidate } from '../../src/mapping/evaluate.js';
import type { MergePolicy, TableMapping } from '../../src/mapping/types.js';
import { LookupIndex } from '../../src/reconcile/lookup-index.js';
import { reconcileTable, type Row } from '../../src/reconcile/table.js';
import { ChangeSpill } from '../../src/changeset/change-spill.js';
import type { Change } from '../../src/changeset/changeset.js';
import { tempJobDir } from '../support/flow.js';
import { CandidateStore, ColumnLayout } from '../../src/reconcile/prepared.js';
import { CandidateEncoder, tableShapes } from '../../src/reconcile/record-mapper.js';

function column(name: string, typeName: string, extra: Partial<CatalogColumn> = {}): CatalogColumn {
  const type = { int8: 'bigint', text: 'text', numeric: 'numeric(10,2)', timestamptz: 'timestamp with time zone' }[typeName] ?? typeName;
  return { name, type, typeName, notNull: false, default: null, identity: null, generated: false, position: 0, ...extra };
}

const bookings: CatalogTable = {
  schema: 'public',
  name: 'bookings',
  columns: [
    column('id', 'int8', { notNull: true, default: "nextval('bookings_id_seq'::regclass)" }),
    column('reference', 'text', { notNull: true }),
    column('customer_id', 'int8', { notNull: true }),
    column('status', 'text', { notNull: true }),
    column('total', 'numeric', { notNull: true }),
    column('note', 'text', { notNull: false, default: "''::text" }),
    column('created_at', 'timestamptz', { notNull: true }),
  ],
  primaryKey: ['id'],
  uniqueKeys: [['reference']],
  foreignKeys: [{ name: 'fk', columns: ['customer_id'], references: { schema: 'public', name: 'customers', columns: ['id'] } }],
  sequences: { id: { schema: 'public', name: 'bookings_id_seq' } },
};
const customers: CatalogTable = {
  schema: 'public',
  name: 'customers',
  columns: [column('id', 'int8', { notNull: true }), column('email', 'text', { notNull: true })],
  primaryKey: ['id'],
  uniqueKeys: [['email']],
  foreignKeys: [],
  sequences: {},
};

function mapping(merge: Record<string, MergePolicy> = {}, prefer: string[] = []): TableMapping {
  return { file: 'bookings.yaml', positions: { table: { file: 'x' }, merge: {} }, table: 'bookings', prefer, merge, keepExisting: new Set(), rules: [] };
}

function bound(m = mapping()): BoundMapping {
  return { mapping: m, table: bookings, matchKeys: [['id'], ['reference']], lookups: [{ column: 'customer_id', table: 'customers', parent: customers, by: 'email', refColumn: 'id' }] };
}

let n = 0;
function candidate(source: string, values: Record<string, string>, time = '2026-03-01T00:00:00Z', email?: string): Candidate {
  n++;
  return {
    table: 'bookings',
    rule: `bookings.yaml#${source}`,
    record: { source, id: `r${n}`, ref: `${source}:r${n}`, time },
    values,
    lookups: email ? { customer_id: { table: 'customers', by: 'email', key: email, optional: false } } : {},
  };
}

/** The rows in batches of two, as the cursor hands them over in batches (the last one may be short). */
async function* rowsOf(rows: Row[]): AsyncGenerator<Row[]> {
  for (let i = 0; i < rows.length; i += 2) yield rows.slice(i, i + 2);
}

function customerIndex(entries: Record<string, string>): Map<string, LookupIndex> {
  const index = new LookupIndex('public.customers', 'email', 'id');
  for (const [email, id] of Object.entries(entries)) {
    index.requested.add(email);
    index.set(email, { value: id });
  }
  return new Map([[LookupIndex.keyOf('public.customers', 'email', 'id'), index]]);
}

const BACKUP: Row[] = [
  { id: '1', reference: 'AAA', customer_id: '7', status: 'confirmed', total: '90.00', note: '', created_at: '2026-01-02 10:00:00+00' },
  { id: '2', reference: 'BBB', customer_id: '7', status: 'confirmed', total: '50.00', note: '', created_at: '2026-01-03 10:00:00+00' },
];

async function run(candidates: Candidate[], m = mapping(), rows = BACKUP, customersById = { 'a@x': '7' }) {
  const b = bound(m);
  const store = new CandidateStore(new ColumnLayout(b.table));
  const encoder = new CandidateEncoder(tableShapes([b]));
  for (const c of candidates) {
    const encoded = encoder.encode(c);
    if (encoded) store.addEncoded(encoded.line, encoded.prep);
  }
  const spill = new ChangeSpill(path.join(await tempJobDir('reconcile-table'), 'changes.spill'));
  try {
    const result = await reconcileTable({
      bound: b,
      candidates: store,
      parentIndexes: customerIndex(customersById),
      ownIndexes: [],
      backupRows: () => rowsOf(rows),
      spill,
    });
    // Read back as the changeset gets them: from the spill, in id order.
    return { counts: result.counts, changes: Array.from(result.changes.jsonBytes(), (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as Change) };
  } finally {
    spill.remove();
  }
}

describe('reconciling one table', () => {
  it('updates only the columns that really changed, guarded by the old values', async () => {
    const result = await run([candidate('calendar', { reference: 'AAA', status: 'cancelled', total: '90', created_at: '2026-01-02T10:00:00Z' }, undefined, 'a@x')]);
    expect(result.counts).toEqual({ insert: 0, update: 1, unchanged: 0, conflict: 0, unrecoverable: 0 });
    expect(result.changes[0]).toMatchObject({
      id: 'public.bookings#1',
      kind: 'update',
      key: { id: '1' },
      values: { status: 'cancelled' },
      old: { status: 'confirmed' },
      evidence: { status: [{ source: 'calendar', rule: 'bookings.yaml#calendar' }] },
    });
  });

  it('keep_existing keeps a value the backup has and fills only what is NULL there', async () => {
    const m = { ...mapping({ note: { kind: 'earliest' } }), keepExisting: new Set(['note', 'created_at']) };
    const rows: Row[] = [
      { ...(BACKUP[0] as Row), note: 'cancelled 2026-01-05' },
      { ...(BACKUP[1] as Row), note: null },
    ];
    const result = await run(
      [
        // A later trace of a cancellation the backup already has moves nothing, even when sources disagree.
        candidate('calendar', { id: '1', note: 'cancelled 2026-02-20', created_at: '2026-02-20T10:00:00Z' }),
        candidate('mail', { id: '1', note: 'cancelled 2026-02-21' }),
        // An empty column is filled, by the column's own merge policy.
        candidate('calendar', { id: '2', note: 'cancelled 2026-02-11', created_at: '2026-02-11T10:00:00Z' }, '2026-02-11T10:00:00Z'),
        candidate('mail', { id: '2', note: 'cancelled 2026-02-10' }, '2026-02-10T10:00:00Z'),
      ],
      m,
      rows,
    );
    expect(result.counts).toEqual({ insert: 0, update: 1, unchanged: 1, conflict: 0, unrecoverable: 0 });
    expect(result.changes).toEqual([
      expect.objectContaining({ id: 'public.bookings#2', kind: 'update', values: { note: 'cancelled 2026-02-10' }, old: { note: null } }),
    ]);
  });

  it('counts a row whose values all equal the backup as unchanged', async () => {
    const result = await run([candidate('calendar', { id: '2', total: '50.0', status: 'confirmed' })]);
    expect(result.counts.unchanged).toBe(1);
    expect(result.changes).toEqual([]);
  });

  it('inserts a new row whose key the target makes at apply time (never a number fixed now), and lists defaulted columns', async () => {
    const result = await run([candidate('calendar', { reference: 'NEW', status: 'confirmed', total: '12.5', created_at: '2026-03-01T09:00:00+01:00' }, undefined, 'a@x')]);
    expect(result.changes).toEqual([
      expect.objectContaining({
        id: 'public.bookings@reference=NEW',
        kind: 'insert',
        key: {},
        keyRefs: { id: 'public.bookings@reference=NEW' },
        values: { reference: 'NEW', customer_id: '7', status: 'confirmed', total: '12.5', created_at: '2026-03-01 08:00:00+00' },
        defaulted: ['note'],
      }),
    ]);
    expect(result.changes[0]?.confidence?.reasons).toContain('a new row; the target makes its key when the patch is applied');
  });

  it('keeps a key the sources carry', async () => {
    const result = await run([candidate('calendar', { id: '42', reference: 'CAR', status: 'confirmed', total: '1', created_at: '2026-03-01T00:00:00Z' }, undefined, 'a@x')]);
    expect(result.changes[0]).toMatchObject({ id: 'public.bookings#42', kind: 'insert', key: { id: '42' } });
    expect(result.changes[0]?.keyAssigned).toBeUndefined();
  });

  it('merges what several sources say about one row, by precedence, and keeps the disagreement', async () => {
    const m = mapping({ total: { kind: 'prefer', sources: ['payments', 'calendar'] } });
    const result = await run(
      [
        candidate('calendar', { id: '50', reference: 'MRG', status: 'confirmed', total: '80.00', created_at: '2026-03-01T00:00:00Z' }, undefined, 'a@x'),
        candidate('payments', { reference: 'MRG', total: '85.00' }, undefined, 'a@x'),
      ],
      m,
    );
    expect(result.changes).toHaveLength(1);
    const change = result.changes[0];
    expect(change).toMatchObject({ kind: 'insert', values: { id: '50', total: '85.00' } });
    expect(change?.disagreements?.total).toMatchObject({ chosen: '85.00', by: 'prefer: payments > calendar' });
    expect(change?.evidence.customer_id?.map((e) => e.source).sort()).toEqual(['calendar', 'payments']);
    expect(change?.confidence).toEqual({
      score: 0.7,
      reasons: ['a new row; its key comes from a source', '2 independent sources agree (calendar, payments)', 'sources disagreed on total (a rule chose)'],
    });
  });

  it('makes a conflict of a disagreement no policy settles, and never writes it', async () => {
    const result = await run([
      candidate('calendar', { reference: 'AAA', status: 'cancelled' }),
      candidate('payments', { reference: 'AAA', status: 'confirmed', total: '95' }),
    ]);
    expect(result.counts.conflict).toBe(1);
    expect(result.changes[0]).toMatchObject({
      kind: 'conflict',
      key: { id: '1' },
      values: { total: '95' },
      old: { total: '90.00', status: 'confirmed' },
      conflicts: { status: [{ value: 'cancelled' }, { value: 'confirmed' }] },
    });
  });

  it('settles by record time with latest', async () => {
    const m = mapping({ status: { kind: 'latest' } });
    const result = await run(
      [candidate('calendar', { reference: 'AAA', status: 'cancelled' }, '2026-03-02T00:00:00Z'), candidate('calendar', { reference: 'AAA', status: 'confirmed' }, '2026-03-01T00:00:00Z')],
      m,
    );
    expect(result.changes[0]).toMatchObject({ kind: 'update', values: { status: 'cancelled' } });
  });

  it('says why a new row cannot be rebuilt: missing parent, missing required column, invalid value', async () => {
    const result = await run([
      candidate('calendar', { reference: 'ORPH', status: 'confirmed', total: '1', created_at: '2026-03-01T00:00:00Z' }, undefined, 'nobody@x'),
      candidate('payments', { reference: 'THIN', total: '1' }, undefined, 'a@x'),
      candidate('calendar', { reference: 'BAD', status: 'confirmed', total: 'ten', created_at: '2026-03-01T00:00:00Z' }, undefined, 'a@x'),
    ]);
    const byId = Object.fromEntries(result.changes.map((c) => [c.id, c]));
    expect(byId['public.bookings@reference=ORPH']).toMatchObject({
      kind: 'unrecoverable',
      reason: 'missing-parent',
      detail: 'customer_id: no public.customers row with email = "nobody@x" in the backup or among the recovered rows',
    });
    expect(byId['public.bookings@reference=THIN']).toMatchObject({
      kind: 'unrecoverable',
      reason: 'missing-required',
      detail: 'no source gives the required columns status, created_at',
      values: { reference: 'THIN', customer_id: '7', total: '1' },
    });
    expect(byId['public.bookings@reference=BAD']).toMatchObject({ kind: 'unrecoverable', reason: 'invalid-value' });
    expect(byId['public.bookings@reference=BAD']?.detail).toMatch(/^total: "ten" is not a number/);
  });

  it('refuses to guess when the keys of one row point at two backup rows', async () => {
    const result = await run([candidate('calendar', { id: '1', reference: 'BBB', status: 'cancelled' })]);
    expect(result.changes[0]).toMatchObject({ kind: 'unrecoverable', reason: 'ambiguous-match' });
    expect(result.changes[0]?.detail).toContain('id=1 and id=2');
  });

  it('refuses a text value holding a NUL byte, naming the column', async () => {
    const result = await run([candidate('calendar', { reference: 'NUL', status: 'conf\u0000irmed', total: '1', created_at: '2026-03-01T00:00:00Z' }, undefined, 'a@x')]);
    expect(result.changes[0]).toMatchObject({ kind: 'unrecoverable', reason: 'invalid-value' });
    expect(result.changes[0]?.detail).toContain('status: contains a NUL byte');
  });
});

describe('column text forms', async () => {
  const { toColumnText, comparisonKey } = await import('../../src/values/normalize.js');
  const num = column('amount', 'numeric', { type: 'numeric(5,2)' });
  it('checks numeric precision the way PostgreSQL rounds', () => {
    expect(toColumnText(num, '999.99')).toEqual({ ok: true, text: '999.99' });
    expect(toColumnText(num, '999.990')).toEqual({ ok: true, text: '999.990' });
    // PostgreSQL would store 999.99 and 1000.00: digits lost without a word, so refused with the reason.
    expect(toColumnText(num, '999.994')).toMatchObject({ ok: false, error: expect.stringContaining('has 3 decimal place(s), numeric(5,2) keeps 2') });
    expect(toColumnText(num, '999.995')).toMatchObject({ ok: false });
    expect(toColumnText(num, '-1000')).toEqual({ ok: false, error: '-1000 does not fit numeric(5,2) (at most 3 digits before the point)' });
  });
  it('compares values the way PostgreSQL does', () => {
    const ts = column('at', 'timestamptz');
    expect(comparisonKey(ts, '2026-03-02T14:02:00Z')).toBe(comparisonKey(ts, '2026-03-02 15:02:00+01'));
    expect(comparisonKey(ts, '2026-03-02 14:02:00.000001+00')).not.toBe(comparisonKey(ts, '2026-03-02 14:02:00+00'));
    expect(comparisonKey(num, '90')).toBe(comparisonKey(num, '90.00'));
    expect(comparisonKey(column('n', 'int8'), '9223372036854775807')).toBe('9223372036854775807');
    expect(toColumnText(column('n', 'int8'), '9223372036854775808')).toMatchObject({ ok: false });
    expect(toColumnText(ts, '2026-03-02 14:02')).toMatchObject({ ok: false, error: expect.stringContaining('no time zone') });
  });
});
