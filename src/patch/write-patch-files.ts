import { closeSync, openSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A `.partial` file opened for a producer that writes into it as it goes. */
export interface OpenPartial {
  fd: number;
  path: string;
}

/** What a producer made: its value, and the files written whole after the streamed ones (the manifest). */
export interface Produced<T> {
  value: T;
  last: ReadonlyArray<readonly [name: string, content: string]>;
}

/**
 * Writes each file as `<name>.partial` first and renames them into place only once all
 * were written: the streamed files (which `produce` writes into as it makes them, so a
 * large patch is never held whole), then the ones it returns whole, the manifest last (a
 * directory whose manifest does not match its SQL files is refused by apply). A write that
 * fails (a full disk, a folder salvage may not write) removes every `.partial` it made and
 * leaves the files already there, the previous patch if there was one, as they were.
 */
export async function writePatchFiles<T>(
  dir: string,
  streamed: readonly string[],
  produce: (files: ReadonlyMap<string, OpenPartial>) => Promise<Produced<T>>,
): Promise<T> {
  const partial = (name: string) => path.join(dir, `${name}.partial`);
  const made: string[] = [];
  let produced: Produced<T>;
  try {
    const open = new Map<string, OpenPartial>();
    try {
      for (const name of streamed) {
        made.push(name);
        open.set(name, { fd: openWithPath(partial(name)), path: partial(name) });
      }
      produced = await produce(open);
    } finally {
      for (const file of open.values()) closeSync(file.fd);
    }
    for (const [name, content] of produced.last) {
      made.push(name);
      await writeFile(partial(name), content, 'utf8').catch((error: NodeJS.ErrnoException) => {
        // A failed write() names no file; the message must say which one the disk refused.
        error.path ??= partial(name);
        throw error;
      });
    }
  } catch (error) {
    await Promise.all(made.map((name) => rm(partial(name), { force: true }).catch(() => undefined)));
    throw error;
  }
  for (const name of made) await rename(partial(name), path.join(dir, name));
  return produced.value;
}

function openWithPath(file: string): number {
  try {
    return openSync(file, 'w');
  } catch (error) {
    (error as NodeJS.ErrnoException).path ??= file;
    throw error;
  }
}
