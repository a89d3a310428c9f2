import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SalvageConfig } from '../config/load.js';
import { readCatalog } from '../db/catalog.js';
import type { Catalog, CatalogTable } from '../db/catalog-types.js';
import { connectDatabase, type DbHandle } from '../db/connect.js';
import { BEGIN_READ_ONLY_SNAPSHOT, ROLLBACK, ROUND_TRIP } from '../sql/select.js';
import { UsageError } from '../errors.js';
import { LiveTable } from './live-target.js';
import { tableKey } from '../db/catalog.js';
import { readDatabaseIdentity, type DatabaseIdentity } from '../db/identity.js';
import { embeddedDir as embeddedDirOf } from '../runtime/job-paths.js';

/** The live target, open read only in one snapshot for the whole reconcile. */
export interface LiveSession {
  db: DbHandle;
  /** Which database the target is: the patch is bound to it (apply refuses another unless told). */
  identity: DatabaseIdentity;
  table(table: CatalogTable): Promise<LiveTable>;
  end(): Promise<void>;
}

/**
 * Opens the target when one is configured (or its embedded database exists): every
 * transaction READ ONLY, one REPEATABLE READ snapshot, so that each table is compared
 * with the same moment of the live database. Without a target, reconcile compares
 * with the backup alone and says so.
 */
export async function openLiveTarget(config: SalvageConfig, log: (line: string) => void, rekey: ReadonlySet<string> = new Set()): Promise<LiveSession | undefined> {
  const embeddedDir = embeddedDirOf(config.jobDir, 'target');
  if (config.target.url === undefined && !existsSync(path.join(embeddedDir, 'PG_VERSION'))) {
    log('warning: no target database configured: reconcile compares with the backup only, so rows the live app wrote since the restart are not checked (set target.url)');
    return undefined;
  }
  const db = await connectDatabase({ url: config.target.url, embeddedDir, readOnly: true, applicationName: 'salvage reconcile (live target)' });
  try {
    await db.client.query(BEGIN_READ_ONLY_SNAPSHOT);
    const catalog: Catalog = await readCatalog(db.client);
    const identity = await readDatabaseIdentity(db.client, config.target.url === undefined ? embeddedDir : undefined);
    const roundTripMs = await timeRoundTrip(db);
    return {
      db,
      identity,
      async table(table) {
        const live = await LiveTable.open(db, catalog, table, rekey, roundTripMs);
        if (!live) throw new UsageError(`the target ${db.describe} has no table ${tableKey(table)}, which the backup has: is target.url the database restored from this backup?`);
        return live;
      },
      async end() {
        await db.client.query(ROLLBACK);
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The median of five round trips to the target: how large its batches of reads must be to stay hidden. */
async function timeRoundTrip(db: DbHandle): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await db.client.query(ROUND_TRIP);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2] as number;
}
