import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes each file as `<name>.partial` first and renames them into place only once all
 * were written, in the order given (the manifest last: a directory whose manifest does
 * not match its SQL files is refused by apply). A write that fails (a full disk, a
 * folder salvage may not write) removes every `.partial` it made and leaves the files
 * already there, the previous patch if there was one, as they were.
 */
export async function writePatchFiles(dir: string, files: ReadonlyArray<readonly [name: string, content: string]>): Promise<void> {
  const partial = (name: string) => path.join(dir, `${name}.partial`);
  try {
    for (const [name, content] of files) {
      await writeFile(partial(name), content, 'utf8').catch((error: NodeJS.ErrnoException) => {
        // A failed write() names no file; the message must say which one the disk refused.
        error.path ??= partial(name);
        throw error;
      });
    }
  } catch (error) {
    await Promise.all(files.map(([name]) => rm(partial(name), { force: true }).catch(() => undefined)));
    throw error;
  }
  for (const [name] of files) await rename(partial(name), path.join(dir, name));
}
