import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/init/index.js';
import { tempJobDir } from '../support/flow.js';
import { seededDatabase } from '../support/seeded-database.js';
import { postgresAvailable } from '../support/postgres.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();

/** A parent known only by two columns together: a practitioner's slot at a time. */
const SCHEMA = `
CREATE TABLE "order" (id serial PRIMARY KEY, practitioner text NOT NULL, starts_at timestamptz NOT NULL, UNIQUE (practitioner, starts_at));
CREATE TABLE payments (
  id serial PRIMARY KEY,
  stripe_charge_id text NOT NULL UNIQUE,
  order_id integer REFERENCES "order" (id),
  amount numeric(10,2) NOT NULL
);
`;

describe.runIf(pgUp)('init on a foreign key to a parent whose unique key takes several columns', () => {
  const db = seededDatabase('init_composite', SCHEMA);
  let dir: string;

  beforeAll(async () => {
    dir = await tempJobDir('init-composite');
    await init({ kinds: SOURCE_KINDS, backupUrl: db.url, dir, sources: ['stripe'], now: new Date('2026-03-01T12:00:00Z') });
  });

  it('names the key and the lookup to write, instead of saying there is none', async () => {
    const payments = await readFile(path.join(dir, 'mappings', 'payments.yaml'), 'utf8');
    expect(payments).toContain(
      '      # order_id: foreign key to order, whose unique key (practitioner, starts_at) takes several columns: look it up by each of them (lookup: { table: order, by: { practitioner: ..., starts_at: ... } })',
    );
    expect(payments).not.toContain('no unique key besides its primary key');
  });
});
