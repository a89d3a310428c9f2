import { connectDatabase, type DbHandle } from '../db/connect.js';
import { SESSIONS_BLOCKING } from '../sql/blockers.js';

/** A session apply waited for: what pg_stat_activity says of it. */
export interface BlockingSession {
  pid: number;
  application_name: string;
  role: string;
  state: string;
  since: string | null;
}

export function describeSession(s: BlockingSession): string {
  return `pid ${s.pid} "${s.application_name}" (role ${s.role}, ${s.state}, in a transaction since ${s.since ?? 'unknown'})`;
}

/**
 * Watches, from a second connection, whether apply's session waits on a lock, and names
 * the sessions it waits for (pg_blocking_pids) as soon as it does: a user watching an
 * apply that seems stuck learns who holds it up while it waits, not only once
 * lock_timeout has expired, when PostgreSQL no longer knows whom it waited for. The
 * watch only reads pg_stat_activity; if it cannot connect, apply goes on without it.
 */
export class LockWaitWatch {
  /** The sessions of the latest wait seen (empty if apply has not waited). */
  blockers: BlockingSession[] = [];
  private connection: Promise<DbHandle | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reported = '';

  constructor(
    private readonly url: string,
    private readonly pid: number,
    private readonly say: (blockers: BlockingSession[]) => void,
    private readonly everyMs = 1000,
  ) {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.look().finally(() => this.schedule()), this.everyMs);
    this.timer.unref();
  }

  private async look(): Promise<void> {
    this.connection ??= connectDatabase({ url: this.url, applicationName: 'salvage apply (lock watch)' }).catch(() => undefined);
    const db = await this.connection;
    if (!db || this.stopped) return;
    const rows = await db.client.query<BlockingSession>(SESSIONS_BLOCKING, [this.pid]).then((r) => r.rows, () => []);
    if (rows.length === 0) return;
    this.blockers = rows;
    const key = rows.map((r) => r.pid).join(',');
    if (key !== this.reported) this.say(rows);
    this.reported = key;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const db = await this.connection;
    await db?.close();
  }
}
