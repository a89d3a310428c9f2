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

/**
 * A patch is made from what one target held: its drift check compares rows, not which
 * database holds them, so a second database restored from the same dump (staging, a
 * colleague's copy, the wrong production of two) passes it and takes the patch. The
 * manifest carries the identity of the target reconcile compared with; apply writes into
 * that database only, unless told the target is another one on purpose. A streaming
 * replica promoted after a failover is the same cluster (same system identifier) and
 * passes; a server restored from a dump is not, and needs --allow-other-target. Undo is
 * bound to its target by the history row the apply left there, not by this.
 */
export function refuseOtherTarget(manifest: PatchManifest, target: DatabaseIdentity, allowOtherTarget: boolean): void {
  const intended = manifest.target?.identity;
  if (!intended || allowOtherTarget || sameDatabase(intended, target)) return;
  throw new SafetyRefusal(
    `the target is not the database this patch was made for: it was reconciled against ${describeIdentity(intended)}, and this is ${describeIdentity(target)}. ` +
      'Nothing was written. Check target.url (or TARGET_DATABASE_URL). If the target was restored to a new server since, run "salvage reconcile" and "salvage patch" ' +
      'against it (the safest), or pass --allow-other-target to apply this patch there (the drift check still compares every row).',
  );
}
