import { SafetyRefusal } from '../errors.js';
import type { PatchManifest } from '../patch/manifest.js';
import type { HistoryEntry } from './applied-history.js';

/**
 * The manifest's checksum only proves undo.sql matches the manifest beside it, and
 * both can be rewritten together. The target's history recorded undo.sql's sha256
 * in the transaction that applied the patch: only that undo may reverse it.
 */
export function requireRecordedUndo(applied: HistoryEntry, manifest: PatchManifest, database: string): void {
  if (applied.undo_sha256 === manifest.undo.sha256) return;
  throw new SafetyRefusal(
    `undo.sql is not the undo recorded when patch ${manifest.id} was applied to ${database} at ${applied.applied_at} ` +
      `(sha256 ${manifest.undo.sha256.slice(0, 16)}..., salvage.salvage_history says ${applied.undo_sha256.slice(0, 16)}...). ` +
      'Nothing was written. Restore the patch directory as it was when it was applied (or use the safety copy in <job>/pre-apply/).',
  );
}
