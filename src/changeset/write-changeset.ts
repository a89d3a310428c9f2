import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';
import { memoryCheckpoint } from '../runtime/memory.js';
import type { Changeset } from './changeset.js';

/**
 * Writes the changeset with one change per line: still one JSON document, but a
 * reviewer's diff tool and `grep` see one row of change per line.
 */
export async function writeChangeset(file: string, changeset: Changeset, progress: Progress = NO_PROGRESS): Promise<void> {
  const { changes, ...head } = changeset;
  await writeChangesetTexts(file, head, (function* () {
    for (const change of changes) yield JSON.stringify(change);
  })(), changes.length, progress);
}

/** writeChangeset from each change's JSON text, in order: the changes need not be in memory. */
export async function writeChangesetTexts(file: string, header: Omit<Changeset, 'changes'>, texts: Iterable<string>, count: number, progress: Progress = NO_PROGRESS): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const head = JSON.stringify({ ...header, changes: [] });
  const at = head.lastIndexOf('"changes":[]');
  const tmp = `${file}.partial`;
  // Streamed: a million-row changeset is never one string in memory.
  const out = createWriteStream(tmp, 'utf8');
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    await write(`${head.slice(0, at)}"changes":[\n`);
    const writing = progress.stage('write changeset', count);
    // Written in pieces of about a megabyte: a write (and an await) per change cost twice the JSON.
    let piece: string[] = [];
    let pieceLength = 0;
    let i = 0;
    for (const json of texts) {
      writing.add();
      // A gigabyte of change texts read back and let go: collected as it goes, past the soft limit.
      memoryCheckpoint();
      const text = `${i++ ? ',\n' : ''}${json}`;
      piece.push(text);
      pieceLength += text.length;
      if (pieceLength >= 1048576) {
        await write(piece.join(''));
        piece = [];
        pieceLength = 0;
      }
    }
    if (piece.length) await write(piece.join(''));
    writing.end();
    await write(`\n]${head.slice(at + '"changes":[]'.length)}\n`);
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  } catch (error) {
    out.destroy();
    throw error;
  }
  await rename(tmp, file);
}
