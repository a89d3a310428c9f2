import type pg from 'pg';
import { PreconditionFailed } from '../errors.js';
import type { PatchManifest } from '../patch/manifest.js';
import { lastAction } from './applied-history.js';
import { requireRecordedUndo } from './undo-integrity.js';

/**
 * What the target's history says about this patch: a message when there is nothing to do
 * (the patch is applied already), a refusal when an undo has nothing to undo or is not
 * the undo.sql recorded at apply, and undefined when the run should go on.
 */
export async function alreadyDone(client: pg.Client, manifest: PatchManifest, which: 'patch' | 'undo', database: string): Promise<string | undefined> {
  const last = await lastAction(client, manifest);
  if (which === 'patch' && last?.action === 'apply') {
    return `patch ${manifest.id} was already applied to ${database} at ${last.applied_at} by ${last.actor ?? last.os_user}@${last.host}; nothing to do`;
  }
  if (which === 'undo' && last?.action !== 'apply') {
    throw new PreconditionFailed(
      `patch ${manifest.id} is not applied on ${database} (${last ? `it was undone at ${last.applied_at}` : 'no salvage history of it'}); there is nothing to undo. Nothing was written.`,
    );
  }
  if (which === 'undo' && last) requireRecordedUndo(last, manifest, database);
  return undefined;
}
