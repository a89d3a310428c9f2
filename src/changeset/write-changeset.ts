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

/** Bytes gathered before one write: a write (and an await) per change cost twice the JSON. */
const PIECE = 1 << 20;
const SEPARATOR = Buffer.from(',\n', 'utf8');

/**
 * writeChangeset from each change's JSON text, in order: the changes need not be in
 * memory. A text may come as UTF-8 bytes (reconcile's spill: a gigabyte of changes is
 * then copied to the file, never decoded into strings and encoded again); bytes are
 * copied at once, so a reader may hand out a view it reuses for the next text.
 */
export async function writeChangesetTexts(file: string, header: Omit<Changeset, 'changes'>, texts: Iterable<string | Uint8Array>, count: number, progress: Progress = NO_PROGRESS): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const head = JSON.stringify({ ...header, changes: [] });
  const at = head.lastIndexOf('"changes":[]');
  const tmp = `${file}.partial`;
  // Streamed: a million-row changeset is never one string in memory.
  const out = createWriteStream(tmp);
  const write = async (bytes: Buffer) => {
    if (!out.write(bytes)) await once(out, 'drain');
  };
  try {
    await write(Buffer.from(`${head.slice(0, at)}"changes":[\n`, 'utf8'));
    const writing = progress.stage('write changeset', count);
    // Each piece is a buffer of its own: the stream holds it until written.
    let piece = Buffer.allocUnsafe(PIECE);
    let used = 0;
    let i = 0;
    for (const text of texts) {
      writing.add();
      // A gigabyte of change texts read back and let go: collected as it goes, past the soft limit.
      memoryCheckpoint();
      const separator = i++ ? SEPARATOR.length : 0;
      const length = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.byteLength;
      if (used + separator + length > piece.length) {
        if (used) await write(piece.subarray(0, used));
        piece = Buffer.allocUnsafe(Math.max(PIECE, separator + length));
        used = 0;
      }
      if (separator) used += SEPARATOR.copy(piece, used);
      if (typeof text === 'string') {
        used += piece.write(text, used, 'utf8');
      } else {
        piece.set(text, used);
        used += length;
      }
    }
    if (used) await write(piece.subarray(0, used));
    writing.end();
    await write(Buffer.from(`\n]${head.slice(at + '"changes":[]'.length)}\n`, 'utf8'));
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  } catch (error) {
    out.destroy();
    throw error;
  }
  await rename(tmp, file);
}
