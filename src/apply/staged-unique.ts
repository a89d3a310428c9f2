import type pg from 'pg';
import type { CatalogTable } from '../db/catalog-types.js';
import type { UniqueIndex } from '../sql/live-queries.js';
import { quoteIdent } from '../sql/identifier.js';
import type { QualifiedName } from '../sql/identifier.js';
import { liveRowsTakingStagedValues, STAGED_ORDINAL, STAGED_SHOWN_PREFIX, STAGED_TABLE, type StagedGroup } from '../sql/staged-unique.js';

type Row = Record<string, string | null>;

export interface StagedCollision {
  /** The unique index whose value a live row holds; undefined when the live row holds the primary key itself. */
  index?: string;
  /** The staging table the row is in. */
  stage: QualifiedName;
  /** 1-based row of the staging table. */
  ordinal: number;
  /** The staged row's given values, column -> text. */
  staged: Row;
  /** The live row, every stored column. */
  live: Row;
}

/** Staging tables joined in one query: enough that the table is read once for a recovery of millions, few enough to plan quickly. */
const STAGES_PER_QUERY = 128;

/**
 * The live rows that already hold the primary key (where the staged rows give it) or a
 * unique value of a row staged for insertion: one query per index against a group of
 * filled staging tables, so staged rows never travel back to the server, and the live
 * table is read once per index, not once per staging table. The primary key is checked
 * only where the rows give it (`keyGiven`: not where it is a reference into the key map).
 */
export async function rowsTakingStagedValues(
  client: pg.Client,
  table: CatalogTable,
  group: StagedGroup & { keyGiven: boolean },
  indexes: UniqueIndex[],
): Promise<StagedCollision[]> {
  const stored = table.columns.filter((c) => !c.generated);
  const primaryKey: UniqueIndex = { name: '', parts: table.primaryKey.map(quoteIdent), predicate: null };
  const keyGiven = group.keyGiven && table.primaryKey.length > 0 && table.primaryKey.every((c) => group.given.has(c));
  const out: StagedCollision[] = [];
  for (const index of keyGiven ? [primaryKey, ...indexes] : indexes) {
    for (let from = 0; from < group.stages.length; from += STAGES_PER_QUERY) {
      const stages = group.stages.slice(from, from + STAGES_PER_QUERY);
      const result = await client.query<Row>(liveRowsTakingStagedValues(table, stored, { stages, given: group.given }, index));
      for (const found of result.rows) {
        const staged: Row = {};
        const live: Row = {};
        for (const [name, value] of Object.entries(found)) {
          if (name.startsWith(STAGED_SHOWN_PREFIX)) staged[name.slice(STAGED_SHOWN_PREFIX.length)] = value;
          else if (name !== STAGED_ORDINAL && name !== STAGED_TABLE) live[name] = value;
        }
        const stage = stages[Number(found[STAGED_TABLE]) - 1] as QualifiedName;
        out.push({ ...(index === primaryKey ? {} : { index: index.name }), stage, ordinal: Number(found[STAGED_ORDINAL]), staged, live });
      }
    }
  }
  return out;
}
