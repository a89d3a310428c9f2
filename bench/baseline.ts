import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export interface BaselineTimes {
  /** The whole job, from the records file to COMMIT. */
  seconds: number;
  /**
   * The INSERT ... SELECT and UPDATE ... FROM alone: PostgreSQL's own time to write the
   * rows, foreign keys and unique indexes included, which apply's "write rows" cannot beat.
   */
  writeSeconds: number;
}

/**
 * What a DBA would write by hand: load the NDJSON into a jsonb staging table,
 * then one INSERT ... SELECT for the missing rows and one UPDATE ... FROM for the
 * changed ones.
 */
export async function runBaseline(client: pg.Client, recordsFile: string): Promise<BaselineTimes> {
  const started = performance.now();
  await client.query('CREATE TEMP TABLE staging (j jsonb)');
  // CSV mode with quote and delimiter bytes that never occur in JSON text: each line is one value, verbatim.
  await pipeline(createReadStream(recordsFile), client.query(copyFrom("COPY staging (j) FROM STDIN WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')")));
  await client.query('BEGIN');
  await client.query(`
    CREATE TEMP TABLE incoming AS
    SELECT j->'data'->>'id' AS stripe_charge_id,
           lower(j->'data'->'billing_details'->>'email') AS email,
           ((j->'data'->>'amount')::numeric / 100)::numeric(12,2) AS amount,
           upper(j->'data'->>'currency') AS currency,
           j->'data'->>'status' AS status,
           to_timestamp((j->'data'->>'created')::bigint) AS created_at
    FROM staging`);
  const writing = performance.now();
  await client.query(`
    INSERT INTO payments (stripe_charge_id, customer_id, amount, currency, status, created_at)
    SELECT i.stripe_charge_id, c.id, i.amount, i.currency, i.status, i.created_at
    FROM incoming i
    JOIN customers c ON c.email = i.email
    LEFT JOIN payments p ON p.stripe_charge_id = i.stripe_charge_id
    WHERE p.id IS NULL
    ORDER BY i.created_at`);
  await client.query(`
    UPDATE payments p SET amount = i.amount, status = i.status
    FROM incoming i
    WHERE p.stripe_charge_id = i.stripe_charge_id
      AND (p.amount, p.status) IS DISTINCT FROM (i.amount, i.status)`);
  const written = performance.now();
  await client.query('COMMIT');
  return { seconds: (performance.now() - started) / 1000, writeSeconds: (written - writing) / 1000 };
}
