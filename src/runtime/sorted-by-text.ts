import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

/** Entries sorted in memory at once; past this, sorted runs go to files and are merged. */
const RUN_ENTRIES = 1 << 20;
/** Bytes read from a run file at a time, and gathered before a write. */
const RUN_BUFFER = 256 * 1024;

/**
 * Numbers kept with a text each, read back in the order of their texts (JavaScript's
 * `<` on strings, ties in the order added: what a stable sort of all of them gives).
 *
 * Reconcile orders a table's changes by id this way. The ids of ten million changes held
 * as strings cost some 600 MB; here at most a run of about a million is in memory. A
 * full run is sorted and written to a file of its own (`fileFor(n)`), and reading merges
 * the runs, each read in order through a small buffer. Up to one run, nothing touches a
 * file.
 */
export class SortedByText {
  private texts: string[] = [];
  private values: number[] = [];
  private readonly runs: string[] = [];
  private read = false;

  constructor(
    /** Where run n goes; the caller removes what is left if the work is abandoned (see remove()). */
    private readonly fileFor: (run: number) => string,
    private readonly runEntries = RUN_ENTRIES,
  ) {}

  get size(): number {
    return this.runs.length * this.runEntries + this.texts.length;
  }

  add(text: string, value: number): void {
    this.texts.push(text);
    this.values.push(value);
    if (this.texts.length >= this.runEntries) this.spillRun();
  }

  /** The values in the order of their texts. Reading ends the sorter: its files are removed as it finishes. */
  *ordered(): Generator<number> {
    if (this.read) throw new Error('the order was read already: it is read once');
    this.read = true;
    if (this.runs.length === 0) {
      const order = sortedOrder(this.texts);
      const { values } = this;
      this.texts = [];
      for (const at of order) yield values[at] as number;
      this.values = [];
      return;
    }
    if (this.texts.length) this.spillRun();
    const readers = this.runs.map((file, run) => new RunReader(file, run));
    try {
      yield* mergeRuns(readers);
    } finally {
      for (const reader of readers) reader.close();
      this.remove();
    }
  }

  /** Removes the run files (reading does it too): for work abandoned before reading. */
  remove(): void {
    for (const file of this.runs) rmSync(file, { force: true });
    this.runs.length = 0;
    this.texts = [];
    this.values = [];
  }

  private spillRun(): void {
    const file = this.fileFor(this.runs.length);
    this.runs.push(file);
    const { texts, values } = this;
    this.texts = [];
    this.values = [];
    const fd = openSync(file, 'w', 0o600);
    try {
      let piece: string[] = [];
      let length = 0;
      for (const at of sortedOrder(texts)) {
        // JSON text holds no raw newline, so a line is an entry whatever the text.
        const line = `${values[at] as number}\t${JSON.stringify(texts[at])}\n`;
        piece.push(line);
        length += line.length;
        if (length >= RUN_BUFFER) {
          writeSync(fd, piece.join(''));
          piece = [];
          length = 0;
        }
      }
      if (piece.length) writeSync(fd, piece.join(''));
    } catch (error) {
      (error as NodeJS.ErrnoException).path ??= file;
      throw error;
    } finally {
      closeSync(fd);
    }
  }
}

/** Indexes of `texts` in a stable sort by `<`. */
function sortedOrder(texts: string[]): number[] {
  return Array.from({ length: texts.length }, (_, i) => i).sort((a, b) => {
    const x = texts[a] as string;
    const y = texts[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Merges sorted runs with a binary heap of their heads; on equal texts the earlier run goes first. */
function* mergeRuns(readers: RunReader[]): Generator<number> {
  const heap = readers.filter((r) => r.next());
  const before = (a: RunReader, b: RunReader) => a.text < b.text || (a.text === b.text && a.run < b.run);
  const siftDown = (from: number) => {
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let least = at;
      if (left < heap.length && before(heap[left] as RunReader, heap[least] as RunReader)) least = left;
      if (right < heap.length && before(heap[right] as RunReader, heap[least] as RunReader)) least = right;
      if (least === at) return;
      [heap[at], heap[least]] = [heap[least] as RunReader, heap[at] as RunReader];
      at = least;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  while (heap.length) {
    const top = heap[0] as RunReader;
    yield top.value;
    if (!top.next()) {
      const last = heap.pop() as RunReader;
      if (heap.length === 0) return;
      heap[0] = last;
    }
    siftDown(0);
  }
}

/** One run file read entry by entry, through a buffer. */
class RunReader {
  text = '';
  value = 0;
  private readonly fd: number;
  private buffer = Buffer.allocUnsafe(RUN_BUFFER);
  private start = 0;
  private end = 0;
  private offset = 0;

  /** `run`: its place among the runs, which decides ties (the earlier run first). */
  constructor(
    readonly file: string,
    readonly run: number,
  ) {
    this.fd = openSync(file, 'r');
  }

  /** Reads the next entry into text and value; false at the end of the run. */
  next(): boolean {
    let newline = this.buffer.indexOf(10, this.start);
    while (newline < 0 || newline >= this.end) {
      if (!this.fill()) {
        if (this.start < this.end) throw new Error(`${this.file} ends in the middle of an entry: was it changed while salvage ran?`);
        return false;
      }
      newline = this.buffer.indexOf(10, this.start);
    }
    const line = this.buffer.toString('utf8', this.start, newline);
    this.start = newline + 1;
    const tab = line.indexOf('\t');
    this.value = Number(line.slice(0, tab));
    this.text = JSON.parse(line.slice(tab + 1)) as string;
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Moves what is left to the front and reads more after it; false when the file has no more. */
  private fill(): boolean {
    const left = this.end - this.start;
    if (left === this.buffer.length) {
      const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(bigger, 0, this.start, this.end);
      this.buffer = bigger;
    } else {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
    }
    this.start = 0;
    this.end = left;
    const n = readSync(this.fd, this.buffer, this.end, this.buffer.length - this.end, this.offset);
    this.offset += n;
    this.end += n;
    return n > 0;
  }
}
