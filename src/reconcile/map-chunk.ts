import { SourceInputError } from '../records/connector.js';
import { parseRecordLine } from '../records/ndjson.js';
import { CANDIDATE_SEPARATOR, FlatPrepsBuilder, type ChunkResult } from './map-protocol.js';
import { MapTally, type MappedCandidate, type RecordMapper } from './record-mapper.js';

/**
 * Keys a worker remembers having sent, at most: beyond, it forgets them all and may send
 * some again (the main thread's sets take a key twice without harm). Bounds a worker's
 * memory when every record asks for a key of its own.
 */
const SENT_KEYS_LIMIT = 1 << 18;

/**
 * Maps the chunks of one records file that a mapping worker is handed, in file order:
 * each chunk's stored candidates, the lookup keys they ask, and its counts.
 */
export class ChunkMapper {
  private readonly tableIndex: Map<string, number>;
  /** Lookup keys sent with earlier chunks, per index: the main thread has them already. */
  private readonly sent = new Map<string, Set<string>>();
  private sentCount = 0;
  // The chunk being mapped.
  private candidates: string[] = [];
  private preps = new FlatPrepsBuilder();
  private requested = new Map<string, string[]>();
  private readonly take = (c: MappedCandidate): void => {
    this.candidates.push(c.line);
    this.preps.push(this.tableIndex.get(c.table) as number, c.prep);
    for (const [index, key] of c.lookups) this.ask(index, key);
  };

  constructor(
    private readonly mapper: RecordMapper,
    tableNames: string[],
    private readonly file: string,
  ) {
    this.tableIndex = new Map(tableNames.map((name, i) => [name, i]));
  }

  /** Maps one chunk: its text begins and ends at line boundaries. */
  map(chunk: number, text: string): ChunkResult {
    this.candidates = [];
    this.preps = new FlatPrepsBuilder();
    this.requested = new Map();
    const tally = new MapTally();
    // The same line breaks as readline's (\r\n, \n, or a lone \r); chunks end after a \n.
    // Without a \r (files salvage writes), lines are cut one at a time: an array of them
    // all would outlive a young-generation collection or two, for nothing.
    const lines = text.includes('\r') ? text.split(/\r\n|\n|\r/) : undefined;
    if (lines?.at(-1) === '') lines.pop();
    let line = 0;
    let start = 0;
    for (;;) {
      let record: string;
      if (lines) {
        if (line === lines.length) break;
        record = lines[line] as string;
      } else {
        if (start >= text.length) break;
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        record = text.slice(start, end);
        start = end + 1;
      }
      line++;
      try {
        const parsed = parseRecordLine(record, this.file, line);
        if (parsed) this.mapper.map(parsed, tally, this.take);
      } catch (error) {
        // The main thread knows how many lines came before this chunk: it names file:line.
        const stopped = error instanceof SourceInputError ? { line, reason: error.reason } : { line, reason: (error as Error).stack ?? String(error), unexpected: true };
        return { ...this.result(chunk, line, tally), requested: [], error: stopped };
      }
    }
    return this.result(chunk, line, tally);
  }

  private result(chunk: number, lines: number, tally: MapTally): ChunkResult {
    return { chunk, lines, candidates: this.candidates.join(CANDIDATE_SEPARATOR), preps: this.preps.flat(), requested: [...this.requested], tally: tally.data() };
  }

  private ask(index: string, key: string): void {
    let sent = this.sent.get(index);
    if (!sent) this.sent.set(index, (sent = new Set()));
    if (sent.has(key)) return;
    if (this.sentCount >= SENT_KEYS_LIMIT) {
      for (const keys of this.sent.values()) keys.clear();
      this.sentCount = 0;
    }
    sent.add(key);
    this.sentCount++;
    let keys = this.requested.get(index);
    if (!keys) this.requested.set(index, (keys = []));
    keys.push(key);
  }
}
