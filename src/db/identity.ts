import path from 'node:path';
import type pg from 'pg';
import { SELECT_DATABASE_IDENTITY } from '../sql/identity.js';

/** What a database is, as opposed to the URL that reached it. */
export interface DatabaseIdentity {
  systemIdentifier: string;
  database: string;
  databaseOid: string;
  /**
   * An embedded database's directory. Every embedded cluster is made from the same
   * image, so its system identifier alone cannot tell a job's backup from its target.
   */
  embeddedDir?: string;
}

export async function readDatabaseIdentity(client: pg.Client, embeddedDir?: string): Promise<DatabaseIdentity> {
  const row = (await client.query<{ system_identifier: string; database: string; database_oid: string }>(SELECT_DATABASE_IDENTITY)).rows[0];
  return {
    systemIdentifier: row?.system_identifier ?? '',
    database: row?.database ?? '',
    databaseOid: row?.database_oid ?? '',
    ...(embeddedDir === undefined ? {} : { embeddedDir: path.resolve(embeddedDir) }),
  };
}

/** The same database of the same cluster (an embedded one in the same directory). */
export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  return a.systemIdentifier === b.systemIdentifier && a.databaseOid === b.databaseOid && a.database === b.database && a.embeddedDir === b.embeddedDir;
}

export function describeIdentity(identity: DatabaseIdentity): string {
  return `database ${identity.database} of cluster ${identity.systemIdentifier}${identity.embeddedDir ? ` (embedded, ${identity.embeddedDir})` : ''}`;
}
