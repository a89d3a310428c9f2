import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * The benchmark's world, generated in one run: a backup of N payments and N/10
 * customers, and 1.1·N Stripe charge records (N of them already in the backup,
 * 10% of those changed since; 0.1·N new, each naming its customer by email).
 */
export const BENCH_SCHEMA = `
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE payments (
  id bigserial PRIMARY KEY,
  stripe_charge_id text NOT NULL UNIQUE,
  customer_id bigint NOT NULL REFERENCES customers(id),
  amount numeric(12,2) NOT NULL,
  currency char(3) NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL
);`;

export const BENCH_MAPPING = `table: payments
match: [[stripe_charge_id]]
rules:
  - name: charge
    source: stripe
    type: stripe.charge
    columns:
      stripe_charge_id: data.id
      customer_id:
        from: data.billing_details.email
        transform: [email]
        lookup: { table: customers, by: email }
      amount: { from: data.amount, transform: [cents_to_amount] }
      currency: { from: data.currency, transform: [upper] }
      status: { from: data.status, transform: [{ map: { values: { succeeded: succeeded, refunded: refunded, failed: failed } } }] }
      created_at: { from: data.created, transform: [{ timestamp: { unix: s } }] }
`;

const BASE_TIME = Date.UTC(2025, 0, 1) / 1000;
const STATUSES = ['succeeded', 'refunded'] as const;

function chargeId(i: number): string {
  return `ch_${i.toString(36).padStart(12, '0')}`;
}
function email(c: number): string {
  return `customer${c}@example.com`;
}
/** Deterministic per-row values. */
function payment(i: number, customers: number) {
  const customer = (i * 7919) % customers;
  return {
    charge: chargeId(i),
    customer,
    cents: 500 + ((i * 104729) % 50000),
    status: STATUSES[i % 17 === 0 ? 1 : 0] as string,
    created: BASE_TIME + i * 13,
  };
}

function escapeCopy(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/**
 * Loads the backup with COPY (fast, and not what is being measured): the first `kept`
 * of the N payments (all by default; fewer for a backup taken longer ago).
 */
export async function loadBackup(client: pg.Client, rows: number, kept = rows): Promise<void> {
  const customers = Math.max(1, Math.floor(rows / 10));
  await client.query(BENCH_SCHEMA);
  await copyRows(client, 'COPY customers (id, email, name) FROM STDIN', function* () {
    for (let c = 0; c < customers; c++) yield `${c + 1}\t${email(c)}\t${escapeCopy(`Customer ${c}`)}\n`;
  });
  await copyRows(client, 'COPY payments (id, stripe_charge_id, customer_id, amount, currency, status, created_at) FROM STDIN', function* () {
    for (let i = 0; i < kept; i++) {
      const p = payment(i, customers);
      const created = new Date(p.created * 1000).toISOString();
      yield `${i + 1}\t${p.charge}\t${p.customer + 1}\t${(p.cents / 100).toFixed(2)}\tEUR\t${p.status}\t${created}\n`;
    }
  });
  await client.query(`SELECT setval('customers_id_seq', ${customers}); SELECT setval('payments_id_seq', ${Math.max(1, kept)}); ANALYZE`);
}

async function copyRows(client: pg.Client, sql: string, lines: () => Generator<string>): Promise<void> {
  const stream = client.query(copyFrom(sql));
  const source = Readable.from(batched(lines()));
  await pipeline(source, stream);
}

function* batched(lines: Generator<string>): Generator<string> {
  let buf = '';
  for (const line of lines) {
    buf += line;
    if (buf.length > 1 << 16) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/** Writes 1.1·N charge records: every backup payment (10% changed) plus 10% new ones. */
export async function writeRecords(file: string, rows: number): Promise<number> {
  const customers = Math.max(1, Math.floor(rows / 10));
  const out = createWriteStream(file);
  const total = rows + Math.floor(rows / 10);
  const observedAt = '2026-04-25T10:00:00.000Z';
  let buf = '';
  for (let i = 0; i < total; i++) {
    const p = payment(i, customers);
    const changed = i < rows && i % 10 === 3;
    const status = changed ? 'refunded' : p.status;
    const cents = changed ? p.cents + 100 : p.cents;
    const record = {
      source: 'stripe',
      type: 'stripe.charge',
      id: p.charge,
      ref: `stripe:${p.charge}`,
      observedAt,
      createdAt: new Date(p.created * 1000).toISOString(),
      data: {
        id: p.charge,
        object: 'charge',
        amount: cents,
        currency: 'eur',
        status,
        created: p.created,
        billing_details: { email: email(p.customer).toUpperCase(), name: `Customer ${p.customer}` },
        metadata: { order: String(i) },
      },
    };
    buf += `${JSON.stringify(record)}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return total;
}
