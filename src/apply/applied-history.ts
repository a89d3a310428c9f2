import os from 'node:os';
import type pg from 'pg';
import type { PatchManifest } from '../patch/manifest.js';
import { HISTORY_TABLE_EXISTS, INSERT_HISTORY, LATEST_HISTORY_FOR_PATCH } from '../sql/audit-history.js';

export interface HistoryEntry {
  action: 'apply' | 'undo';
  applied_at: string;
  actor: string | null;
  os_user: string;
  host: string;
  /** The sha256 of undo.sql when this action was recorded: the only undo that may reverse it. */
  undo_sha256: string;
}

/** What the target's history says was last done with this patch, if anything. */
export async function lastAction(client: pg.Client, manifest: PatchManifest): Promise<HistoryEntry | undefined> {
  const present = (await client.query<{ present: string | boolean }>(HISTORY_TABLE_EXISTS)).rows[0]?.present;
  if (present !== true && present !== 't' && present !== 'true') return undefined;
  return (await client.query<HistoryEntry>(LATEST_HISTORY_FOR_PATCH, [manifest.patch.sha256])).rows[0];
}

/** Records a committed apply or undo; runs inside the patch's transaction, into the table secureAuditObjects checked or made. */
export async function recordAction(
  client: pg.Client,
  manifest: PatchManifest,
  action: 'apply' | 'undo',
  actor: string | undefined,
  counts: Record<string, Record<string, number>>,
): Promise<void> {
  await client.query(INSERT_HISTORY, [
    manifest.id,
    manifest.patch.sha256,
    manifest.undo.sha256,
    action,
    actor ?? null,
    os.userInfo().username,
    os.hostname(),
    JSON.stringify(counts),
  ]);
}
