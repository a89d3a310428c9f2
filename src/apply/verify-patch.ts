import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SafetyRefusal, UsageError } from '../errors.js';
import { MANIFEST_FORMAT, sha256, type PatchManifest } from '../patch/manifest.js';

export interface VerifiedPatch {
  manifest: PatchManifest;
  /** The bytes of the file to run (patch.sql or undo.sql), checked against the manifest. */
  sql: Buffer;
}

/**
 * Reads a patch directory and refuses it unless both SQL files are byte for byte
 * what `salvage patch` wrote (their sha256 in the manifest): apply never runs
 * SQL that was edited after review.
 */
export async function readVerifiedPatch(dir: string, which: 'patch' | 'undo' = 'patch'): Promise<VerifiedPatch> {
  let manifest: PatchManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as PatchManifest;
  } catch (error) {
    throw new UsageError(`no readable patch manifest in ${dir} (${(error as Error).message}): run "salvage patch" first`);
  }
  if (manifest.format !== MANIFEST_FORMAT) throw new SafetyRefusal(`${dir}/manifest.json is not a salvage patch manifest`);
  // Both files are checked, whichever runs: they are reviewed, and trusted, as a pair.
  // Bytes, not strings: only the file that runs is kept, and parsed from its bytes; the
  // other is hashed as it streams past (a million-row undo.sql is hundreds of megabytes).
  let sql: Buffer | undefined;
  for (const [name, expected] of [
    ['patch.sql', manifest.patch.sha256],
    ['undo.sql', manifest.undo.sha256],
  ] as const) {
    const runs = name === `${which}.sql`;
    const bytes = runs ? await readFile(path.join(dir, name)) : undefined;
    const actual = bytes ? sha256(bytes) : await sha256OfFile(path.join(dir, name));
    if (actual !== expected) {
      throw new SafetyRefusal(
        `${path.join(dir, name)} was changed after "salvage patch" wrote it (sha256 ${actual.slice(0, 16)}..., manifest says ${expected.slice(0, 16)}...). ` +
          'Nothing was written. Re-run "salvage patch" to regenerate it from the reviewed changeset.',
      );
    }
    if (runs) sql = bytes;
  }
  return { manifest, sql: sql as Buffer };
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
