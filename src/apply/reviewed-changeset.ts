import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SafetyRefusal } from '../errors.js';
import type { PatchManifest } from '../patch/manifest.js';
import { derivePatchManifest } from '../patch/patch.js';
import { decisionsPath } from '../runtime/job-paths.js';

/** Where the reviewed changeset and its decisions are: the job directory of `salvage diff` and `salvage review`. */
export interface ReviewedInputs {
  changeset: string;
  jobDir: string;
}

/**
 * The checksums in manifest.json only say that patch.sql matches the manifest beside
 * it; whoever can edit one can rewrite both. What was reviewed is changeset.json (with
 * decisions.yaml). So before connecting, apply checks that the changeset is the one
 * the manifest names, then derives the patch from it again, as `salvage patch` does, and
 * requires the very bytes it is about to run (compared by their sha256, hashed as they are
 * derived: no second copy of the patch is held or written). An edited value or a moved key in
 * patch.sql cannot survive that without changing the changeset, which `salvage diff`
 * shows to the reviewer.
 */
export async function requireReviewedPatch(manifest: PatchManifest, reviewed: ReviewedInputs): Promise<void> {
  const refuse = (why: string) =>
    new SafetyRefusal(`${why} Nothing was written. Run "salvage patch" again from the reviewed changeset, review it ("salvage diff"), and apply that.`);
  if (!existsSync(reviewed.changeset)) throw refuse(`${reviewed.changeset} is missing: apply cannot check the patch against the changeset that was reviewed.`);
  const changesetSha = await fileSha256(reviewed.changeset);
  if (changesetSha !== manifest.changeset.sha256) {
    throw refuse(`${reviewed.changeset} is not the changeset patch ${manifest.id} was made from (sha256 ${changesetSha.slice(0, 16)}..., the manifest says ${manifest.changeset.sha256.slice(0, 16)}...).`);
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'salvage-rederive-'));
  try {
    const decisions = decisionsPath(reviewed.jobDir);
    if (existsSync(decisions)) await copyFile(decisions, decisionsPath(scratch));
    const derived = await derivePatchManifest(scratch, reviewed.changeset);
    if (derived.decisions.sha256 !== manifest.decisions.sha256) {
      throw refuse(`${decisions} is not the decisions.yaml patch ${manifest.id} was made with.`);
    }
    // The databases the patch is bound to come from the changeset too: a manifest edited to forget them is refused.
    if (JSON.stringify([derived.backup, derived.target]) !== JSON.stringify([manifest.backup, manifest.target])) {
      throw refuse(`manifest.json does not name the backup and target the reviewed changeset was reconciled against: it was edited after it was written.`);
    }
    for (const file of ['patch', 'undo'] as const) {
      if (derived[file].sha256 !== manifest[file].sha256) {
        throw refuse(
          `${file}.sql is not what "salvage patch" makes from the reviewed changeset and decisions (sha256 ${manifest[file].sha256.slice(0, 16)}..., derived ${derived[file].sha256.slice(0, 16)}...): it was edited after it was written.`,
        );
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
