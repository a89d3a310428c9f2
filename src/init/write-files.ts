import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Writes init's files, and never over anything: if any of them exists, nothing at
 * all is written and the error (exit 2) names each one. A person's edited mapping
 * is the most valuable file in a recovery; a re-run must not cost it. Each file is
 * also opened with O_EXCL, so one created in between is still not overwritten.
 */
export async function writeNewFiles(dir: string, files: Array<{ path: string; text: string }>): Promise<void> {
  const existing = files.map((f) => f.path).filter((p) => existsSync(path.join(dir, p)));
  if (existing.length) {
    throw new UsageError(
      `salvage init writes no file that exists already, and these do in ${dir}:\n${existing.map((p) => `  ${p}`).join('\n')}\n` +
        'Nothing was written. Move them away, or run init in an empty directory.',
    );
  }
  for (const file of files) {
    const target = path.join(dir, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.text, { encoding: 'utf8', flag: 'wx' });
  }
}
