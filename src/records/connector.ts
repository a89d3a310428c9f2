import type { LiveLine } from '../runtime/live-line.js';
import { SalvageError } from '../errors.js';
import type { SourceRecord } from './envelope.js';
import type { RejectRecord } from './rejection.js';

/**
 * The time span a pull must cover. The window is about when data was
 * *written*, not what it describes; connectors filter by created/updated/sent time.
 */
export interface PullWindow {
  /** When the backup was taken. */
  from: Date;
  /** When the data was lost. */
  to: Date;
  /** `from` minus the configured lookback: the earliest write time a connector asks for. */
  since: Date;
  /** How far recurring series are expanded (default: one year after `to`). */
  horizon: Date;
}

export interface PullContext {
  /** The source's name in salvage.yaml; goes into every record's `source`. */
  sourceName: string;
  window: PullWindow;
  /** Directory that relative file patterns in the source's config are resolved against. */
  baseDir: string;
  /** Directory the connector may keep resume state in (cursors, sync tokens). */
  stateDir: string;
  /**
   * A record (or a whole file) that cannot be read is handed here instead of ending the
   * pull: it is counted in the ledger and kept in <job>/rejected/<source>.ndjson.
   */
  reject: RejectRecord;
  /** Progress and warnings for humans; never receives secrets. */
  log: (message: string) => void;
  /**
   * False: no live progress line at all (pull() had none from its caller: `--no-progress`,
   * no terminal, the library's default); the summary lines still go to `log`.
   */
  liveProgress?: boolean;
  /**
   * The terminal's live line, handed to pull() by its caller (Progress.line): `log`
   * clears it before each message (the two would share a row otherwise), and
   * createProgress draws on it. Unset with liveProgress unset: a connector driven on
   * its own, where createProgress decides and draws its own.
   */
  liveLine?: LiveLine;
  signal?: AbortSignal;
  /** The instant stamped as `observedAt` on every record of this pull. */
  observedAt: string;
  /**
   * Saves resume state together with every record yielded so far: once it resolves,
   * an interrupted pull restarts from exactly here (records after it are discarded
   * and must be yielded again). Call it between yields, e.g. after each finished
   * time slice or mailbox batch.
   */
  checkpoint(state: unknown): Promise<void>;
  /** The state of the last checkpoint of an interrupted pull of this source; undefined on a fresh pull. */
  resumeState?: unknown;
  /**
   * The records of this source's last complete pull (empty if none), for connectors
   * that pull incrementally (a sync token, a highest UID): they re-yield what is still
   * current and add what changed.
   */
  previousRecords(): AsyncIterable<SourceRecord>;
}

/**
 * A source kind. `pull()` yields records one at a time so that a source of any
 * size streams straight to disk; it must only ever read the outside world.
 */
export interface Connector {
  readonly kind: string;
  pull(context: PullContext): AsyncIterable<SourceRecord>;
}

/** An input problem the user can fix: says where (file:line or record) and what to do (exit 1). */
export class SourceInputError extends SalvageError {
  constructor(
    /** What was wrong, without the location. */
    readonly reason: string,
    readonly location?: string,
  ) {
    super(location ? `${location}: ${reason}` : reason);
    // Its subclasses (a connector's refusals) are input errors by name too, as they always were.
    this.name = 'SourceInputError';
  }
}
