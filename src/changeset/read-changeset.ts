import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { CHANGESET_FORMAT, type Change, type Changeset } from './changeset.js';
import { memoryCheckpoint } from '../runtime/memory.js';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';
import { scanChangeset } from './changeset-layout.js';
import { SharedEvidence } from './shared-evidence.js';

/** changeset.json read back (by patch, review and diff), with the sha256 of its bytes. */
export async function readChangeset(file: string, progress: Progress = NO_PROGRESS): Promise<{ changeset: Changeset; sha256: string }> {
  let read: { changeset: Changeset; sha256: string };
  try {
    read = await readChangesetLines(file, progress);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingChangeset(file);
    throw error;
  }
  checkFormat(read.changeset, file);
  return read;
}

/**
 * Reads changeset.json a line at a time (changeset-layout.ts): a million-row changeset
 * is never one string in memory as well as its objects. A file of another layout
 * (edited by hand, pretty-printed) is read whole.
 */
async function readChangesetLines(file: string, progress: Progress): Promise<{ changeset: Changeset; sha256: string }> {
  const hash = createHash('sha256');
  const reading = progress.stage('read changeset', (await stat(file)).size, 'bytes');
  const changes: Change[] = [];
  const shared = new SharedEvidence();
  const layout = await scanChangeset(file, {
    onChunk: (chunk) => {
      hash.update(chunk);
      reading.add(chunk.length);
    },
    onChange: (text) => {
      memoryCheckpoint();
      try {
        changes.push(shared.share(JSON.parse(text) as Change));
        return true;
      } catch {
        return false; // not one change per line after all: read it whole below
      }
    },
  });
  reading.end();
  if (!layout) {
    const text = await readFile(file, 'utf8');
    return { changeset: parseWhole(text, file), sha256: createHash('sha256').update(text).digest('hex') };
  }
  const changeset = parseWhole(`${layout.head}${layout.tail}`, file);
  changeset.changes = changes;
  return { changeset, sha256: hash.digest('hex') };
}

/** What to say when there is no changeset yet. */
export function missingChangeset(file: string): UsageError {
  return new UsageError(`no changeset at ${file}: run "salvage reconcile" first`);
}

/** A changeset of the format this salvage reads, or an error that says so. */
export function checkFormat(changeset: Pick<Changeset, 'format'>, file: string): void {
  if (changeset.format !== CHANGESET_FORMAT) throw new UsageError(`${file} is not a salvage changeset (format ${String(changeset.format)})`);
}

/** The changeset's text parsed, or an error that says which file and what to do. */
export function parseWhole(text: string, file: string): Changeset {
  try {
    return JSON.parse(text) as Changeset;
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON (${(error as Error).message}); run "salvage reconcile" again to rewrite it`);
  }
}
