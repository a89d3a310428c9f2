/**
 * A record a connector could not read: a CSV row, a calendar event, a message, an API
 * object, or a whole file that would not open. It is counted and kept beside the
 * records (records/<source>.rejected.ndjson) instead of ending the pull, so one bad row
 * in one of fifty exports costs that row, not the other 49 files.
 */
export interface PullRejection {
  /** What was rejected, in the ledger's words: `csv row`, `calendar event`, `file`, ... */
  what: string;
  /** Where to look: `exports/a.csv:12`, `calendars/team.ics:40`, `stripe:ch_1`. */
  location: string;
  /** What was wrong and, where it helps, what to do. */
  reason: string;
}

export type RejectRecord = (rejection: PullRejection) => void;

/** One line of a rejections file. */
export function rejectionLine(rejection: PullRejection): string {
  return `${JSON.stringify({ what: rejection.what, location: rejection.location, reason: rejection.reason })}\n`;
}

/** Reads one line of a rejections file back; a line that is not one is reported as such rather than dropped. */
export function parseRejectionLine(text: string): PullRejection {
  try {
    const value = JSON.parse(text) as Partial<PullRejection>;
    if (typeof value.what === 'string' && typeof value.location === 'string' && typeof value.reason === 'string') {
      return { what: value.what, location: value.location, reason: value.reason };
    }
  } catch {
    // Falls through: the line is counted with what it says.
  }
  return { what: 'unknown', location: '?', reason: `unreadable line in the rejections file: ${text.slice(0, 200)}` };
}
