import type pg from 'pg';
import type { CatalogTable } from '../db/catalog-types.js';
import type { UniqueIndex } from '../sql/live-queries.js';
import { quoteIdent } from '../sql/identifier.js';
import { liveRowsTakingStagedValues, STAGED_ORDINAL, STAGED_SHOWN_PREFIX, type StagedCandidates } from '../sql/staged-unique.js';

type Row = Record<string, string | null>;

export interface StagedCollision {
  /** The unique index whose value a live row holds; undefined when the live row holds the primary key itself. */
  index?: string;
  /** 1-based row of the staging table. */
  ordinal: number;
  /** The staged row's given values, column -> text. */
  staged: Row;
  /** The live row, every stored column. */
  live: Row;
}

/**
 * The live rows that already hold the primary key (where the staged rows give it) or a
 * unique value of a row staged for insertion: one query per index against the filled
 * staging table, so a hundred thousand staged rows never travel back to the server.
 */
export async function rowsTakingStagedValues(
  client: pg.Client,
  table: CatalogTable,
  candidates: StagedCandidates & { keyGiven?: boolean },
  indexes: UniqueIndex[],
): Promise<StagedCollision[]> {
  const stored = table.columns.filter((c) => !c.generated);
  const primaryKey: UniqueIndex = { name: '', parts: table.primaryKey.map(quoteIdent), predicate: null };
  const keyGiven = (candidates.keyGiven ?? true) && table.primaryKey.length > 0 && table.primaryKey.every((c) => candidates.given.has(c));
  const out: StagedCollision[] = [];
  for (const index of keyGiven ? [primaryKey, ...indexes] : indexes) {
    const result = await client.query<Row>(liveRowsTakingStagedValues(table, stored, candidates, index));
    for (const found of result.rows) {
      const staged: Row = {};
      const live: Row = {};
      for (const [name, value] of Object.entries(found)) {
        if (name.startsWith(STAGED_SHOWN_PREFIX)) staged[name.slice(STAGED_SHOWN_PREFIX.length)] = value;
        else if (name !== STAGED_ORDINAL) live[name] = value;
      }
      out.push({ ...(index === primaryKey ? {} : { index: index.name }), ordinal: Number(found[STAGED_ORDINAL]), staged, live });
    }
  }
  return out;
}
