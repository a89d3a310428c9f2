import type { TestRecord } from '../support/small-job.js';
import { seededRandom } from '../fakes/stripe/random.js';

/**
 * A seeded random recovery that walks the backup scan's corners: natural keys the
 * backup holds twice, records that share a key with each other and with several backup
 * rows, equal values written differently (90 vs 90.00), conflicts, NULLs, lookups into a
 * parent rebuilt in the same run, and hostile text (quotes, backslashes, tabs, emoji).
 * The same seed gives the same corpus.
 */
export interface RandomCorpus {
  schemaSql: string;
  mappings: Record<string, string>;
  records: Record<string, TestRecord[]>;
}

const NAMES = ["O'Brien", 'back\\slash', 'tab\there', '"quoted"', 'emoji 🦀', 'Zoë', 'plain', 'select'];

export function randomCorpus(seed: number, size = 60): RandomCorpus {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const chance = (p: number) => random() < p;
  const email = (i: number) => `c${i}@example.com`;
  const amount = (n: number) => (chance(0.3) ? String(n) : `${n}.00`);

  const backupCustomers: string[] = [];
  const backupOrders: string[] = [];
  const q = (text: string | null) => (text === null ? 'NULL' : `'${text.replaceAll("'", "''")}'`);
  for (let i = 1; i <= size; i++) {
    if (chance(0.6)) {
      // Some emails appear on two backup rows: the natural key is not unique there.
      const mail = chance(0.15) ? email(1 + Math.floor(random() * i)) : email(i);
      backupCustomers.push(`(${i}, ${q(`K-${i}`)}, ${q(mail)}, ${q(pick(NAMES))}, ${amount(Math.floor(random() * 100))})`);
    }
    if (chance(0.5)) backupOrders.push(`(${i}, ${q(`R-${i}`)}, ${chance(0.5) ? Math.max(1, i - 1) : 'NULL'}, ${amount(i * 3)}, ${q(pick(['paid', 'open', 'void']))})`);
  }
  const schemaSql = `
CREATE TABLE "select" (id serial PRIMARY KEY, code text UNIQUE, email text, "full name" text, balance numeric(10,2));
CREATE TABLE orders (id integer PRIMARY KEY, reference text, customer_id integer, total numeric(10,2), status text NOT NULL);
${backupCustomers.length ? `INSERT INTO "select" VALUES ${backupCustomers.join(',\n')};` : ''}
${backupOrders.length ? `INSERT INTO orders VALUES ${backupOrders.join(',\n')};` : ''}
SELECT setval(pg_get_serial_sequence('"select"', 'id'), ${size * 2});
`;

  const crm: TestRecord[] = [];
  const billing: TestRecord[] = [];
  for (let i = 1; i <= size * 1.3; i++) {
    const n = 1 + Math.floor(random() * size * 1.2);
    const data: Record<string, unknown> = { code: `K-${n}`, email: email(n), name: pick(NAMES), balance: amount(Math.floor(random() * 100)) };
    if (chance(0.5)) data['id'] = n;
    if (chance(0.1)) delete data['email'];
    (chance(0.5) ? crm : billing).push({ type: 'customer', id: `cu${i}`, data, time: `2026-03-${String(1 + (i % 27)).padStart(2, '0')}T00:00:00.000Z` });
  }
  const shop: TestRecord[] = [];
  for (let i = 1; i <= size * 1.3; i++) {
    const n = 1 + Math.floor(random() * size * 1.2);
    const data: Record<string, unknown> = { ref: `R-${n}`, total: amount(n * 3 + (chance(0.2) ? 1 : 0)) };
    if (chance(0.6)) data['id'] = n;
    if (chance(0.7)) data['customer'] = `K-${1 + Math.floor(random() * size * 1.2)}`;
    if (chance(0.8)) data['status'] = pick(['paid', 'open', 'void', 'refunded']);
    shop.push({ type: 'order', id: `o${i}`, data, time: `2026-03-${String(1 + (i % 27)).padStart(2, '0')}T00:00:00.000Z` });
  }

  const customers = `table: select
match: [[email]]
merge: { balance: max }
rules:
  - name: crm
    source: crm
    type: customer
    columns:
      id: data.id
      code: data.code
      email: data.email
      "full name": data.name
      balance: data.balance
  - name: billing
    source: billing
    type: customer
    columns:
      id: data.id
      email: data.email
      balance: data.balance
`;
  const orders = `table: orders
match: [[reference]]
rules:
  - name: shop
    source: shop
    type: order
    columns:
      id: data.id
      reference: data.ref
      total: data.total
      status: data.status
      customer_id: { from: data.customer, lookup: { table: select, by: code, optional: true } }
`;
  return { schemaSql, mappings: { 'customers.yaml': customers, 'orders.yaml': orders }, records: { crm, billing, shop } };
}
