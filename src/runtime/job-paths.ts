import path from 'node:path';

/**
 * Where each thing lives in a job directory: the one place its layout is spelled out
 * (docs/development.md shows it). Every stage finds its inputs and outputs through here.
 */

/** What a source said, as pulled: <job>/records/<source>.ndjson. */
export function recordsDir(jobDir: string): string {
  return path.join(jobDir, 'records');
}

export function recordsPath(jobDir: string, source: string): string {
  return path.join(recordsDir(jobDir), `${source}.ndjson`);
}

/** What a pull could not read: beside the records, in a folder of their own (no source name can collide). */
export function rejectedDir(jobDir: string): string {
  return path.join(jobDir, 'rejected');
}

export function rejectionsPath(jobDir: string, source: string): string {
  return path.join(rejectedDir(jobDir), `${source}.ndjson`);
}

/** What `salvage preserve` saved before the source aged it out. */
export function preservedPath(jobDir: string, source: string): string {
  return path.join(jobDir, 'preserved', `${source}.ndjson`);
}

/** What a preserve run could not read, apart from a pull's rejections. */
export function preservedRejectionsPath(jobDir: string, source: string): string {
  return path.join(jobDir, 'preserved', 'rejected', `${source}.ndjson`);
}

/** A connector's resume state (cursors, sync tokens); `preserve` keeps its own beside a pull's. */
export function stateDir(jobDir: string, source: string, use: 'pull' | 'preserve' = 'pull'): string {
  return path.join(jobDir, 'state', use === 'pull' ? source : `preserve-${source}`);
}

export function changesetPath(jobDir: string): string {
  return path.join(jobDir, 'changeset.json');
}

export function decisionsPath(jobDir: string): string {
  return path.join(jobDir, 'decisions.yaml');
}

/** patch.sql, undo.sql and manifest.json. */
export function patchDir(jobDir: string): string {
  return path.join(jobDir, 'patch');
}

/** The embedded databases, when no url is configured (work: reconcile's work database). */
export function embeddedDir(jobDir: string, which: 'backup' | 'target' | 'work'): string {
  return path.join(jobDir, 'embedded', which);
}

/** The rows an apply is about to change, saved before it changes them. */
export function safetyCopyDir(jobDir: string, stamp: string, which: 'patch' | 'undo'): string {
  return path.join(jobDir, 'pre-apply', `${stamp}-${which}`);
}
