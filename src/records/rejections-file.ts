import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseRejectionLine, rejectionLine, type PullRejection } from './rejection.js';

/** How many rejections a pull keeps in memory to show at its end; the file holds them all. */
const SAMPLES_KEPT = 5;

/**
 * The rejections of one pull, written as they come to `<file>.partial` and moved into
 * place with the records file (or removed, with any older one, when there were none),
 * so the rejections on disk always belong to the records on disk.
 */
export class RejectionsSink {
  count: number;
  readonly samples: PullRejection[] = [];
  private bytes: number;
  private readonly out: WriteStream;
  private streamError: Error | undefined;

  private constructor(
    private readonly file: string,
    resumed: { bytes: number; count: number } | undefined,
  ) {
    this.count = resumed?.count ?? 0;
    this.bytes = resumed?.bytes ?? 0;
    this.out = createWriteStream(`${file}.partial`, { flags: resumed ? 'a' : 'w', encoding: 'utf8' });
    this.out.on('error', (error) => (this.streamError ??= error));
  }

  /** Opens the partial file; a resumed pull keeps the rejections up to its checkpoint. */
  static async open(file: string, resumed: { bytes: number; count: number } | undefined): Promise<RejectionsSink> {
    await mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.partial`;
    if (resumed && existsSync(partial) && (await stat(partial)).size >= resumed.bytes) await truncate(partial, resumed.bytes);
    else resumed = undefined;
    return new RejectionsSink(file, resumed);
  }

  add(rejection: PullRejection): void {
    const line = rejectionLine(rejection);
    this.count++;
    this.bytes += Buffer.byteLength(line);
    if (this.samples.length < SAMPLES_KEPT) this.samples.push(rejection);
    this.out.write(line);
  }

  /** What a checkpoint must remember to resume this file. */
  position(): { bytes: number; count: number } {
    return { bytes: this.bytes, count: this.count };
  }

  async flush(): Promise<void> {
    if (this.streamError) throw this.streamError;
    await new Promise<void>((resolve, reject) => this.out.write('', (error) => (error ? reject(error) : resolve())));
  }

  /** The pull is complete: the rejections file is this pull's, or gone when nothing was rejected. */
  async commit(): Promise<void> {
    await this.close();
    if (this.streamError) throw this.streamError;
    if (this.count > 0) await rename(`${this.file}.partial`, this.file);
    else {
      await rm(`${this.file}.partial`, { force: true });
      await rm(this.file, { force: true });
    }
  }

  /** The pull failed: the partial file stays for a resume when `keep`, else goes. */
  async abandon(keep: boolean): Promise<void> {
    this.out.on('error', () => undefined);
    await this.close();
    if (!keep) await rm(`${this.file}.partial`, { force: true });
  }

  private close(): Promise<void> {
    if (this.out.closed) return Promise.resolve();
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}

export interface RejectionTally {
  count: number;
  /** Per kind of thing rejected (`csv row`, `file`...), in order of first appearance, with the first example. */
  byWhat: Array<{ what: string; count: number; example: PullRejection }>;
}

/** Counts a source's rejections file (none when it does not exist), one line at a time. */
export async function tallyRejections(file: string): Promise<RejectionTally> {
  const tally: RejectionTally = { count: 0, byWhat: [] };
  if (!existsSync(file)) return tally;
  const byWhat = new Map<string, RejectionTally['byWhat'][number]>();
  for await (const text of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (text.trim() === '') continue;
    const rejection = parseRejectionLine(text);
    tally.count++;
    const entry = byWhat.get(rejection.what);
    if (entry) entry.count++;
    else byWhat.set(rejection.what, { what: rejection.what, count: 1, example: rejection });
  }
  tally.byWhat = [...byWhat.values()];
  return tally;
}
