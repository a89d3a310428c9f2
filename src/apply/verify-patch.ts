import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SafetyRefusal, UsageError } from '../errors.js';
import { MANIFEST_FORMAT, type PatchManifest } from '../patch/manifest.js';
import type { PatchFile } from './patch-statements.js';

export interface VerifiedPatch {
  manifest: PatchManifest;
  /** The file to run (patch.sql or undo.sql), its sha256 checked against the manifest, and its size. */
  sql: PatchFile & { size: number };
}

/**
 * Reads a patch directory and refuses it unless both SQL files are byte for byte
 * what `salvage patch` wrote (their sha256 in the manifest): apply never runs
 * SQL that was edited after review. Both are hashed as they stream past, not held:
 * a million-row patch is hundreds of megabytes. The parser reads the file that runs
 * again and proves it read the same bytes (patch-statements.ts).
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
  for (const [name, expected] of [
    ['patch.sql', manifest.patch.sha256],
    ['undo.sql', manifest.undo.sha256],
  ] as const) {
    const actual = await sha256OfFile(path.join(dir, name));
    if (actual !== expected) {
      throw new SafetyRefusal(
        `${path.join(dir, name)} was changed after "salvage patch" wrote it (sha256 ${actual.slice(0, 16)}..., manifest says ${expected.slice(0, 16)}...). ` +
          'Nothing was written. Re-run "salvage patch" to regenerate it from the reviewed changeset.',
      );
    }
  }
  const file = path.join(dir, `${which}.sql`);
  return { manifest, sql: { path: file, sha256: which === 'patch' ? manifest.patch.sha256 : manifest.undo.sha256, size: (await stat(file)).size } };
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
