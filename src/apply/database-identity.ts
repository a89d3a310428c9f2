import { describeIdentity, sameDatabase, type DatabaseIdentity } from '../db/identity.js';
import { SafetyRefusal } from '../errors.js';
import type { PatchManifest } from '../patch/manifest.js';

/**
 * A target URL that points at the backup (a copied variable, a mistyped port) would
 * write the patch into the only copy of the pre-incident state, and every guard would
 * pass: the backup holds exactly the rows the patch expects. The manifest carries the
 * identity of the database reconcile read; apply refuses to write into it unless told.
 */
export function refuseBackupAsTarget(manifest: PatchManifest, target: DatabaseIdentity, allowBackupTarget: boolean): void {
  const backup = manifest.backup.identity;
  if (!backup || allowBackupTarget || !sameDatabase(backup, target)) return;
  throw new SafetyRefusal(
    `the target is the backup: ${describeIdentity(target)} is the database "salvage reconcile" read as the backup for this patch. ` +
      'Nothing was written. Check target.url (or TARGET_DATABASE_URL); if you do mean to write into the backup, pass --into-backup.',
  );
}
