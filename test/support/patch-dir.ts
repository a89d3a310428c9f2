import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256, type PatchManifest } from '../../src/patch/manifest.js';

export interface PatchFiles {
  patchSql: string;
  undoSql: string;
  manifest: PatchManifest;
}

/**
 * Writes `<dir>/patch` with a manifest whose checksums match the files, as anyone who can
 * edit the folder can: what stops such a patch must be apply's own guards, not the checksum.
 */
export async function writePatchDir(dir: string, files: PatchFiles): Promise<string> {
  const patchDir = path.join(dir, 'patch');
  await mkdir(patchDir, { recursive: true });
  const { patchSql, undoSql, manifest } = files;
  await writeFile(path.join(patchDir, 'patch.sql'), patchSql);
  await writeFile(path.join(patchDir, 'undo.sql'), undoSql);
  await writeFile(path.join(patchDir, 'manifest.json'), JSON.stringify({ ...manifest, patch: { ...manifest.patch, sha256: sha256(patchSql) }, undo: { ...manifest.undo, sha256: sha256(undoSql) } }));
  return patchDir;
}
