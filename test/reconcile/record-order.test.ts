import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Changeset } from '../../src/changeset/changeset.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { inCitationOrder } from '../../src/reconcile/member-order.js';
import { changesetPath } from '../../src/runtime/job-paths.js';
import { postgresAvailable } from '../support/postgres.js';
import { seededDatabase } from '../support/seeded-database.js';
import { smallJob, type TestRecord } from '../support/small-job.js';

const pgUp = await postgresAvailable();

const SCHEMA_SQL = `
CREATE TABLE "order" (
  id serial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  "select" numeric(10,2),
  note text
);
`;

// The Stripe source says the same total three times in three spellings: which text is
// written, and the order of the evidence, must not hang on the order the pull wrote them.
const ORDERS_YAML = `table: order
rules:
  - name: charge
    source: stripe
    type: stripe.charge
    columns:
      reference: data.ref
      select: { from: data.total, transform: [decimal] }
  - name: mail
    source: mail
    type: email.message
    columns:
      reference: data.ref
      note: data.note
`;

const STRIPE: TestRecord[] = [
  { type: 'stripe.charge', id: 'ch_B', time: '2026-03-02T00:00:00.000Z', data: { ref: "O'Brien-1", total: '10.0' } },
  { type: 'stripe.charge', id: 'ch_a', time: '2026-03-01T00:00:00.000Z', data: { ref: "O'Brien-1", total: '10' } },
  { type: 'stripe.charge', id: 'ch_c', time: '2026-03-02T00:00:00.000Z', data: { ref: "O'Brien-1", total: '10.00' } },
];
const MAIL: TestRecord[] = [{ type: 'email.message', id: '<m1@x>', data: { ref: "O'Brien-1", note: 'back\\slash 🚣' } }];

describe.runIf(pgUp)('reconcile does not depend on the order a source wrote its records in', () => {
  const backup = seededDatabase('record_order', SCHEMA_SQL);

  async function changesetText(label: string, stripe: TestRecord[]): Promise<string> {
    const { dir, config } = await smallJob({ label, backupUrl: backup.url, mappings: { 'order.yaml': ORDERS_YAML }, records: { stripe, mail: MAIL } });
    await reconcile({ config, mapParallelism: { workers: 0 } });
    const text = await readFile(changesetPath(path.join(dir, 'recovery')), 'utf8');
    return text.replace(/"createdAt":"[^"]*"/, '"createdAt":"-"');
  }

  it('gives the same changeset, byte for byte, for every order of the same records', async () => {
    const orders = [STRIPE, [...STRIPE].reverse(), [STRIPE[1], STRIPE[2], STRIPE[0]] as TestRecord[]];
    const texts = await Promise.all(orders.map((records, i) => changesetText(`record-order-${i}`, records)));
    expect(texts[1]).toBe(texts[0]);
    expect(texts[2]).toBe(texts[0]);

    const [change] = (JSON.parse(texts[0] as string) as Changeset).changes;
    // Oldest record first (its spelling is the one written); two at the same time in the order of their ids.
    expect(change?.evidence['select']?.map((e) => e.record)).toEqual(['ch_a', 'ch_B', 'ch_c']);
    expect(change?.values).toMatchObject({ reference: "O'Brien-1", select: '10', note: 'back\\slash 🚣' });
  });
});

describe('inCitationOrder', () => {
  const member = (source: string, id: string, time = '2026-03-01T00:00:00.000Z') => ({ record: { source, id, ref: `${source}:${id}`, time } });

  it('keeps sources in the order they come, and orders each by time, then id as a person counts (L9 before L10)', () => {
    const members = [member('csv', 'f.csv#L10'), member('stripe', 'ch_2', '2026-03-02T00:00:00.000Z'), member('csv', 'f.csv#L9'), member('stripe', 'ch_1', '2026-03-03T00:00:00.000Z')];
    expect(inCitationOrder(members).map((m) => m.record.id)).toEqual(['f.csv#L9', 'f.csv#L10', 'ch_2', 'ch_1']);
  });
});
