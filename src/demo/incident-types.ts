/**
 * The public shape of the sample incident: what was lost, what survived, and the
 * answer key a recovery is graded against.
 */

/** One row as PostgreSQL text forms: ids `'17'`, numerics `'90.00'`, timestamps `'2026-03-02 14:02:00+00'`, null for NULL. */
export type Row = Record<string, string | null>;

export interface IncidentRows {
  customers: Row[];
  bookings: Row[];
  payments: Row[];
  refunds: Row[];
}

export interface IncidentTruth {
  /**
   * Lost rows (in production, not in the backup, or changed since) that NO export
   * carries enough to rebuild: table -> natural key -> the human reason.
   */
  unrecoverable: Record<string, Record<string, string>>;
  /**
   * Columns of recoverable lost rows that no export carries (a customer's phone
   * that was never written anywhere): table -> natural key -> column -> reason.
   */
  unknownColumns: Record<string, Record<string, Record<string, string>>>;
}

export interface Incident {
  /** Backup taken (`from`) and data lost (`to`), ISO-8601 UTC. */
  window: { from: string; to: string };
  /** The state at loss time: the truth a recovery aims for. */
  production: IncidentRows;
  /** The stale backup: the state at `window.from`. */
  backup: IncidentRows;
  /** What outlived the loss: relative path -> file content. */
  exports: Record<string, string>;
  truth: IncidentTruth;
}

export interface GenerateIncidentOptions {
  /** Same seed, same incident, byte for byte. */
  seed?: number;
  /** Multiplies the row counts; 1 is a small business (~1,000 bookings). */
  scale?: number;
}
