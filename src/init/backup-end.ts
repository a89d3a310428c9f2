/**
 * Where the backup ends, and which tables were still being written when it was
 * taken. A table whose newest write is close to the backup's newest write, for its
 * own pace, was busy right up to the backup: whatever it received afterwards is what
 * was lost. A table quiet for much longer than it usually is between writes (a price
 * list, a set of rooms) probably lost nothing. Pure: works on what the survey read.
 */
export type LossVerdict = 'likely' | 'unlikely' | 'unknown' | 'empty';

/** Busy means written within this long of the backup's end, whatever the table's pace. */
export const BUSY_WITHIN_MS = 3 * 86_400_000;
/** ...or within this many of its usual intervals between writes (for tables with rows enough to have a pace)... */
export const USUAL_INTERVALS = 5;
const MIN_ROWS_FOR_PACE = 10;
/** ...but never more than this: a table written twice a year is quiet, whatever its pace. */
const LONGEST_BUSY_MS = 60 * 86_400_000;

export interface Newest {
  column: string;
  at: Date;
  /** The same column's oldest value: with the row count, the table's pace. */
  oldest?: Date;
}

export function lossVerdict(rows: number, newest: Newest | undefined, backupEnd: Date | undefined): { verdict: LossVerdict; why: string } {
  if (rows === 0) return { verdict: 'empty', why: 'empty in the backup: if the application writes it, every row it has is lost' };
  if (!newest || !backupEnd) return { verdict: 'unknown', why: 'no write-time column (created_at, updated_at, paid_at...) to tell when it was last written' };
  const gap = backupEnd.getTime() - newest.at.getTime();
  const interval = newest.oldest && rows >= MIN_ROWS_FOR_PACE ? (newest.at.getTime() - newest.oldest.getTime()) / (rows - 1) : undefined;
  const pace = interval === undefined ? '' : ` (it is written about every ${describeGap(interval)})`;
  if (gap <= BUSY_WITHIN_MS || (interval !== undefined && gap <= Math.min(USUAL_INTERVALS * interval, LONGEST_BUSY_MS))) {
    return { verdict: 'likely', why: `last written ${describeGap(gap)} before the backup ends${pace}: busy up to the backup, so later writes are lost` };
  }
  return { verdict: 'unlikely', why: `last written ${describeGap(gap)} before the backup ends${pace}: quiet for long, probably nothing lost` };
}

function describeGap(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

/**
 * A timestamp as PostgreSQL prints it in salvage's sessions (`2026-01-19 23:52:10.5+00`,
 * a `timestamp` without zone read as UTC, or a date at midnight UTC); undefined for
 * `infinity` and anything else that is not a point in time.
 */
export function parsePgInstant(text: string): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(?:([+-]\d{2})(?::?(\d{2}))?(?::?\d{2})?)?$/.exec(text.trim());
  if (!m) return undefined;
  const zone = m[3] === undefined ? 'Z' : `${m[3]}:${m[4] ?? '00'}`;
  const date = new Date(`${m[1]}T${m[2] ?? '00:00:00'}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
