import { existsSync } from 'node:fs';
import { open, readFile, stat, truncate, type FileHandle } from 'node:fs/promises';

/**
 * The ids of the messages this pull has yielded, kept in a file in the source's state
 * directory so that an interrupted pull knows them too. A message already yielded is
 * never yielded again, which is what makes a re-read safe: after a UIDVALIDITY change
 * the whole mailbox is read again, and copies in other mailboxes are skipped.
 *
 * The file only grows; its length is saved with every checkpoint, and a resumed pull
 * cuts it back to that length, exactly as the records file is cut back.
 */
export class YieldedIds {
  private pending: string[] = [];

  private constructor(
    private readonly ids: Set<string>,
    private readonly handle: FileHandle,
    private written: number,
  ) {}

  /** Opens the file, keeping its first `resumeBytes` bytes (0 on a fresh pull). */
  static async open(file: string, resumeBytes: number): Promise<YieldedIds> {
    const ids = new Set<string>();
    if (resumeBytes > 0 && existsSync(file)) {
      // Never extend: truncate() would pad a shorter file with zero bytes.
      if ((await stat(file)).size > resumeBytes) await truncate(file, resumeBytes);
      for (const line of (await readFile(file, 'utf8')).split('\n')) if (line !== '') ids.add(line);
    }
    const handle = await open(file, resumeBytes > 0 ? 'a' : 'w');
    return new YieldedIds(ids, handle, resumeBytes > 0 ? (await handle.stat()).size : 0);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    this.pending.push(id);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Writes what was added since the last flush; returns the file's length for the checkpoint. */
  async flush(): Promise<number> {
    if (this.pending.length) {
      const text = Buffer.from(this.pending.map((id) => `${id}\n`).join(''), 'utf8');
      this.pending = [];
      await this.handle.write(text);
      this.written += text.length;
    }
    return this.written;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
