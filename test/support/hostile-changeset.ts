import type { Changeset } from '../../src/changeset/changeset.js';
import { changesetOf } from './changeset.js';

const evidence = (ref: string) => [{ source: 'ledger', record: ref, ref, rule: 'order.yaml#rows' }];

/** A changeset over a table whose names and values are as hostile as real data gets. */
export function hostileChangeset(): Changeset {
  const table = { schema: 'Shop "EU"', name: 'order' };
  return changesetOf(
    [
      {
        table: '"Shop ""EU""".order',
        ...table,
        primaryKey: ['id'],
        columns: { id: 'bigint', 'Customer Name': 'text', select: 'text', amount: 'numeric(14,2)', at: 'timestamp with time zone', note: 'text' },
        sequence: { schema: 'Shop "EU"', name: 'order_id_seq', column: 'id' },
        counts: { insert: 2, update: 1, unchanged: 0, conflict: 0, unrecoverable: 0 },
      },
    ],
    [
      {
        id: '"Shop ""EU""".order#5',
        table: '"Shop ""EU""".order',
        kind: 'insert',
        key: { id: '5' },
        values: { id: '5', 'Customer Name': "Siobhán O'Brien", select: 'back\\slash; DROP TABLE x; --', amount: '0.30', at: '2026-03-29 01:30:00+00' },
        evidence: { 'Customer Name': evidence('file://a.csv#L2\n-- injected') },
        defaulted: ['note'],
      },
      {
        id: '"Shop ""EU""".order#6',
        table: '"Shop ""EU""".order',
        kind: 'insert',
        key: { id: '6' },
        keyAssigned: true,
        values: { id: '6', 'Customer Name': 'Zoë "Zo" 🚣\u200d♀️ Ødegård', select: '$$;$x$', amount: '-12345678901.99', at: '2026-10-25 00:30:00+00' },
        evidence: { 'Customer Name': evidence('file://a.csv#L3') },
      },
      {
        id: '"Shop ""EU""".order#1',
        table: '"Shop ""EU""".order',
        kind: 'update',
        key: { id: '1' },
        values: { select: "it's \"new\"" },
        old: { select: null },
        evidence: { select: evidence('file://a.csv#L4') },
      },
      { id: '"Shop ""EU""".order@x', table: '"Shop ""EU""".order', kind: 'unrecoverable', key: {}, values: {}, evidence: {}, reason: 'missing-required', detail: 'x' },
    ],
    [{ name: 'ledger', records: 3 }],
  );
}
