import path from 'node:path';
import { readCatalog } from '../db/catalog.js';
import { connectDatabase } from '../db/connect.js';
import { readPatchStatements } from './patch-statements.js';
import { checkPrivileges, type PrivilegeReport } from './privileges.js';
import { readVerifiedPatch } from './verify-patch.js';

/** Checks the target connection's rights against what the patch needs; read only. */
export async function doctor(options: { patchDir: string; target: { url?: string; embeddedDir: string } }): Promise<PrivilegeReport & { database: string }> {
  const verified = await readVerifiedPatch(options.patchDir);
  const statements = await readPatchStatements(verified.sql, path.join(options.patchDir, 'patch.sql'), 'patch');
  const db = await connectDatabase({ url: options.target.url, embeddedDir: options.target.embeddedDir, readOnly: true, applicationName: 'salvage doctor' });
  try {
    const catalog = await readCatalog(db.client);
    return { database: db.database, ...(await checkPrivileges(db.client, catalog, statements)) };
  } finally {
    await db.close();
  }
}
