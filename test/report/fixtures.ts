import { CHANGESET_FORMAT, type Change, type Changeset, type Evidence, type TableSummary } from '../../src/changeset/changeset.js';

/** Values a hostile or careless source could have written, each aimed at a way to break a report. */
export const HOSTILE = {
  pipe: 'a | b || c',
  backticks: 'run `rm -rf /` or ```js\ncode\n```',
  scriptTag: '<script>alert(1)</script>',
  breakout: '</script><script>window.pwned=1</script>',
  imgOnError: '<img src="http://evil.example/pixel.png" onerror="window.pwned=2">',
  newlines: 'first line\nsecond line\r\nthird',
  emoji: '🛶 Kayak für 2 ✓',
  markdown: '**bold** _em_ [link](javascript:alert(1)) ![img](http://evil.example/x.png) $x^2$ ~~gone~~',
  bidi: 'invoice\u202Efdp.exe',
  padded: '  padded  ',
  htmlComment: '<!-- hidden --> visible',
  textNull: 'NULL',
} as const;

const ev = (source: string, record: string, rule: string, ref = `file://exports/${source}.csv#${record}`): Evidence => ({ source, record, ref, rule });

const table = (name: string, counts: Partial<TableSummary['counts']>): TableSummary => ({
  table: `public.${name}`,
  schema: 'public',
  name,
  primaryKey: ['id'],
  columns: {},
  counts: { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0, ...counts },
});

/**
 * A small changeset with every kind of change, a disagreement, a conflict, the
 * ledger, and hostile text in values, ids, refs, rules, column names and notes.
 */
export function hostileChangeset(): Changeset {
  const pay = ev('payments', 'L2', 'customers.yaml#card-payer');
  const cal = ev('calendar', 'booking-7@x', 'customers.yaml#attendee', 'file://exports/calendar.ics#uid=booking-7@x');
  const evil = ev('payments', 'L9', 'bookings.yaml#<b>rule</b>|x', 'file://exports/payments.csv#L9</script><script>window.pwned=3</script>');
  const changes: Change[] = [
    {
      id: 'public.customers#1',
      table: 'public.customers',
      kind: 'insert',
      key: { id: '1' },
      values: {
        id: '1',
        full_name: HOSTILE.breakout,
        email: HOSTILE.pipe,
        note: HOSTILE.backticks,
        bio: HOSTILE.newlines,
        nick: HOSTILE.emoji,
        html: HOSTILE.scriptTag,
        img: HOSTILE.imgOnError,
        md: HOSTILE.markdown,
        file: HOSTILE.bidi,
        padded: HOSTILE.padded,
        comment: HOSTILE.htmlComment,
        empty: '',
        missing: null,
        literal: HOSTILE.textNull,
        'weird|<i>column</i>': 'x',
        // Names an object already has: a lookup must not find Object.prototype's members.
        constructor: 'c',
        toString: 't',
        ['__proto__']: 'p',
        created_at: '2026-02-01 10:00:00+00',
      },
      evidence: { full_name: [pay, cal], email: [pay], note: [evil], created_at: [cal] },
      disagreements: {
        created_at: {
          chosen: '2026-02-01 10:00:00+00',
          by: 'prefer: calendar > payments',
          alternatives: [
            { value: '2026-02-01 10:00:00+00', evidence: [cal] },
            { value: '2026-02-01 10:04:00+00', evidence: [pay] },
          ],
        },
      },
      defaulted: ['phone'],
      // As reconcile scores a new row from two sources with one disagreement (0.7 shows as "0.70").
      confidence: { score: 0.7, reasons: ['a new row; its key comes from a source', '2 independent sources agree (calendar, payments)', 'sources disagreed on created_at (a rule chose)'] },
      notes: [`a note with ${HOSTILE.scriptTag}`],
    },
    {
      id: 'public.bookings#42',
      table: 'public.bookings',
      kind: 'update',
      key: { id: '42' },
      values: { status: 'cancelled', total: '90.00' },
      old: { status: 'confirmed', total: '120.00' },
      evidence: { status: [cal], total: [pay] },
      // Reasons name columns, which a hostile schema or mapping may have named.
      confidence: { score: 0.8, reasons: ['matched the backup row by reference + weird|<i>column</i>', '2 independent sources agree (calendar, payments)'] },
    },
    {
      id: 'public.bookings#43',
      table: 'public.bookings',
      kind: 'conflict',
      key: { id: '43' },
      values: { reference: 'K7QX2P' },
      old: { total: '100.00' },
      evidence: { reference: [pay, cal] },
      conflicts: {
        total: [
          { value: '150.00', evidence: [pay] },
          { value: HOSTILE.breakout, evidence: [evil] },
        ],
      },
    },
    {
      id: `public.bookings@reference=${HOSTILE.breakout}`,
      table: 'public.bookings',
      kind: 'unrecoverable',
      key: {},
      values: { reference: 'ZZ9|9' },
      evidence: { reference: [evil] },
      reason: 'missing-parent',
      detail: `customer_id: no customers row with email ${HOSTILE.scriptTag}`,
    },
  ];
  return {
    format: CHANGESET_FORMAT,
    createdAt: '2026-04-25T10:00:00.000Z',
    window: { from: '2026-01-20T00:00:00.000Z', to: '2026-04-25T09:00:00.000Z', since: '2026-01-19T00:00:00.000Z' },
    backup: { database: 'shop<script>', describe: '127.0.0.1:5432/shop | <b>backup</b>' },
    tables: [table('customers', { insert: 1, unchanged: 5 }), table('bookings', { update: 1, conflict: 1, unrecoverable: 1, unchanged: 7 })],
    sources: [
      { name: 'payments', records: 3 },
      { name: 'calendar', records: 2 },
    ],
    changes,
    unmapped: [{ source: 'calendar', type: 'calendar.event', count: 4, samples: ['file://exports/calendar.ics#uid=lunch|<i>x</i>'] }],
    failures: {
      count: 2,
      samples: [{ rule: 'payments.yaml#charge', source: 'payments', record: 'L5', ref: 'file://exports/payments.csv#L5', column: 'amount', message: 'not a decimal: "12,5|0"' }],
    },
  };
}

export interface SyntheticOptions {
  changes: number;
  tables?: number;
}

/**
 * A large changeset shaped like a real one: several tables, mostly inserts with a
 * few updates, conflicts and unrecoverable rows, two sources per row, an occasional
 * disagreement. Deterministic, so counts can be asserted.
 */
export function syntheticChangeset({ changes: count, tables: tableCount = 4 }: SyntheticOptions): Changeset {
  const names = Array.from({ length: tableCount }, (_, i) => `table_${i}`);
  const summaries = names.map((n) => table(n, {}));
  const changes: Change[] = [];
  for (let i = 0; i < count; i++) {
    const t = summaries[i % tableCount]!;
    const kind = i % 50 === 7 ? 'conflict' : i % 10 === 3 ? 'update' : i % 97 === 5 ? 'unrecoverable' : 'insert';
    const pay = ev('payments', `L${i + 2}`, `${t.name}.yaml#card`);
    const cal = ev('calendar', `booking-${i}@fjord`, `${t.name}.yaml#event`, `file://exports/calendar.ics#uid=booking-${i}@fjord`);
    const values: Record<string, string | null> = {
      id: String(i + 1),
      reference: `REF${String(i).padStart(6, '0')}`,
      email: `customer${i}@example.com`,
      total: `${(i % 500) + 10}.00`,
      status: i % 3 ? 'confirmed' : 'cancelled',
      starts_at: `2026-0${(i % 9) + 1}-1${i % 10} 08:00:00+00`,
    };
    // Most rows come from both sources; every fifth only from the calendar; every seventh's total from a refund too.
    const both = i % 5 !== 4;
    const total = i % 7 === 0 ? [pay, ev('refunds', `R${i}`, `${t.name}.yaml#refund`)] : [pay];
    const change: Change = {
      id: `public.${t.name}#${i + 1}`,
      table: t.table,
      kind,
      key: { id: String(i + 1) },
      values,
      evidence: both
        ? { reference: [pay, cal], email: [pay], total, status: [cal], starts_at: [cal] }
        : { reference: [cal], email: [cal], total: [cal], status: [cal], starts_at: [cal] },
    };
    if (kind === 'update') change.old = { status: 'confirmed', total: '1.00' };
    if (kind === 'conflict') change.conflicts = { total: [{ value: '10.00', evidence: [pay] }, { value: '12.00', evidence: [cal] }] };
    if (kind === 'unrecoverable') Object.assign(change, { reason: 'missing-required', detail: 'no source gives starts_at' });
    if (i % 20 === 1) {
      change.disagreements = { status: { chosen: values.status ?? null, by: 'prefer: calendar > payments', alternatives: [{ value: values.status ?? null, evidence: [cal] }, { value: 'pending', evidence: [pay] }] } };
    }
    t.counts[kind] += 1;
    changes.push(change);
  }
  return {
    format: CHANGESET_FORMAT,
    createdAt: '2026-04-25T10:00:00.000Z',
    window: { from: '2026-01-20T00:00:00.000Z', to: '2026-04-25T09:00:00.000Z', since: '2026-01-19T00:00:00.000Z' },
    backup: { database: 'synthetic', describe: 'synthetic changeset' },
    tables: summaries,
    sources: [
      { name: 'payments', records: count },
      { name: 'calendar', records: count },
      { name: 'refunds', records: Math.ceil(count / 7) },
    ],
    changes,
    unmapped: [],
    failures: { count: 0, samples: [] },
  };
}
