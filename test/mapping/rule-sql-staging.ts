import pg from 'pg';
import { stagedRecord } from '../../src/mapping/sql/stage-record.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import type { QualifiedName } from '../../src/sql/identifier.js';
import { quoteIdent, quoteQualified } from '../../src/sql/identifier.js';
import { createRecordStagingTable, RECORD_STAGING_COLUMNS } from '../../src/sql/rule-select.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/** A throw-away database with a record staging table, as the work database would have, for compiled rules to run on. */
export interface Staging {
  client: pg.Client;
  /** Replaces the staged records; returns how many jsonb could hold (the rest are the worker's). */
  stage(records: SourceRecord[]): Promise<number>;
  close(): Promise<void>;
}

export async function openStaging(label: string, table: QualifiedName): Promise<Staging> {
  const db: TestDatabase = await createTestDatabase(label);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${quoteIdent(table.schema)}`);
  await client.query(createRecordStagingTable(table));
  const columns = RECORD_STAGING_COLUMNS.map(quoteIdent).join(', ');
  return {
    client,
    async stage(records) {
      await client.query(`TRUNCATE ${quoteQualified(table)}`);
      let staged = 0;
      for (let i = 0; i < records.length; i += 200) {
        const rows = records.slice(i, i + 200).flatMap((r) => {
          const row = stagedRecord(r);
          return row ? [row] : [];
        });
        if (!rows.length) continue;
        const width = RECORD_STAGING_COLUMNS.length;
        const placeholders = rows.map((_, r) => `(${RECORD_STAGING_COLUMNS.map((_, c) => `$${r * width + c + 1}`).join(', ')})`);
        await client.query(`INSERT INTO ${quoteQualified(table)} (${columns}) VALUES ${placeholders.join(', ')}`, rows.flat());
        staged += rows.length;
      }
      return staged;
    },
    async close() {
      await client.end();
      await db.drop();
    },
  };
}
