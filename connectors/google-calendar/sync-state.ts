import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isFingerprint, sameFingerprint, type Fingerprint } from './fingerprint.js';

/**
 * What lets the next pull ask only for changes: each calendar's `nextSyncToken` from its
 * last complete listing, kept in the source's state directory between pulls.
 *
 * A token is only as good as the records it was taken with, so the state also names the
 * records file (its fingerprint) and what the listing covered (endpoint and window). If
 * any differs, the next pull lists everything again rather than merge changes onto the
 * wrong base: that is how a deleted records file or an edited window would otherwise
 * lose data silently.
 */
export interface SyncState {
  version: 1;
  scope: SyncScope;
  /** Calendar id -> the nextSyncToken of its last complete listing. */
  syncTokens: Record<string, string>;
  /** The records file written together with these tokens. */
  records: Fingerprint;
}

export interface SyncScope {
  /** The API root the tokens came from. */
  endpoint: string;
  /** window.since and window.horizon as ISO instants. */
  since: string;
  horizon: string;
}

const FILE = 'google-calendar-sync.json';

export async function loadSyncState(stateDir: string): Promise<SyncState | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(stateDir, FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<SyncState>;
    if (value.version !== 1 || !isFingerprint(value.records) || typeof value.syncTokens !== 'object' || value.scope === undefined) return undefined;
    return value as SyncState;
  } catch {
    return undefined; // A damaged state file costs one full listing, nothing more.
  }
}

/** Written atomically: a crash leaves the old state or the new one, never half of it. */
export async function saveSyncState(stateDir: string, state: SyncState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, 'utf8');
  await rename(`${file}.tmp`, file);
}

/** The tokens this pull may use, or none with the reason why not (for the log). */
export function usableSyncTokens(
  state: SyncState | undefined,
  scope: SyncScope,
  previousRecords: Fingerprint,
): { tokens: Record<string, string>; reason?: string } {
  if (state === undefined) return { tokens: {} };
  if (state.scope.endpoint !== scope.endpoint) return { tokens: {}, reason: 'the API endpoint changed' };
  if (state.scope.since !== scope.since || state.scope.horizon !== scope.horizon) {
    return { tokens: {}, reason: 'the window changed since the last pull' };
  }
  if (!sameFingerprint(state.records, previousRecords)) {
    return {
      tokens: {},
      reason: `the records file is not the one the last pull wrote (${previousRecords.count} records found, ${state.records.count} written)`,
    };
  }
  return { tokens: { ...state.syncTokens } };
}
