import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';
import { CHANGESET_FORMAT, type Change, type Changeset } from '../reconcile/changeset.js';
import { memoryCheckpoint } from '../runtime/memory.js';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';

/** changeset.json read back (by patch, review and diff), with the sha256 of its bytes. */
export async function readChangeset(file: string, progress: Progress = NO_PROGRESS): Promise<{ changeset: Changeset; sha256: string }> {
  let read: { changeset: Changeset; sha256: string };
  try {
    read = await readChangesetLines(file, progress);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no changeset at ${file}: run "salvage reconcile" first`);
    throw error;
  }
  if (read.changeset.format !== CHANGESET_FORMAT) throw new UsageError(`${file} is not a salvage changeset (format ${String(read.changeset.format)})`);
  return read;
}

/**
 * Reads changeset.json a line at a time. reconcile writes one change per line between a
 * head line ending in `"changes":[` and a tail line starting with `]`; read that way, a
 * million-row changeset is never one string in memory as well as its objects. A file of
 * another layout (edited by hand, pretty-printed) is read whole.
 */
async function readChangesetLines(file: string, progress: Progress): Promise<{ changeset: Changeset; sha256: string }> {
  const hash = createHash('sha256');
  const input = createReadStream(file);
  const reading = progress.stage('read changeset', (await stat(file)).size, 'bytes');
  input.on('data', (chunk) => {
    hash.update(chunk);
    reading.add(chunk.length);
  });
  input.on('close', () => reading.end());
  const lines = createInterface({ input, crlfDelay: Infinity });
  let head: string | undefined;
  let tail = '';
  let inChanges = false;
  let laidOut = true;
  const changes: Change[] = [];
  for await (const line of lines) {
    if (head === undefined) {
      head = line;
      inChanges = line.endsWith('"changes":[');
      laidOut = inChanges;
    } else if (!laidOut) {
      tail += `\n${line}`;
    } else if (inChanges && line.startsWith(']')) {
      inChanges = false;
      tail = line;
    } else if (inChanges) {
      if (line === '') continue;
      memoryCheckpoint();
      try {
        changes.push(JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line) as Change);
      } catch {
        laidOut = false; // not one change per line after all: read it whole below
        break;
      }
    } else tail += `\n${line}`;
  }
  if (!laidOut) {
    lines.close();
    input.destroy();
    const text = await readFile(file, 'utf8');
    return { changeset: parseWhole(text, file), sha256: createHash('sha256').update(text).digest('hex') };
  }
  const changeset = parseWhole(`${head ?? ''}${tail}`, file);
  changeset.changes = changes;
  return { changeset, sha256: hash.digest('hex') };
}

function parseWhole(text: string, file: string): Changeset {
  try {
    return JSON.parse(text) as Changeset;
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON (${(error as Error).message}); run "salvage reconcile" again to rewrite it`);
  }
}
