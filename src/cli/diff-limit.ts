/**
 * How many changes a text diff shows. On a terminal, a changeset of more than
 * TERMINAL_DIFF_ABOVE changes shows TERMINAL_DIFF_LIMIT of each kind per table unless
 * --limit says otherwise: the 200,000 changes of a large recovery would scroll past for
 * minutes and bury the summary. Redirected or piped output, and the other formats, stay
 * complete: they are what a reviewer keeps or pages through.
 */
export const TERMINAL_DIFF_ABOVE = 200;
export const TERMINAL_DIFF_LIMIT = 20;

export interface DiffLimit {
  limit?: number;
  /** Said after the diff when the terminal default cut it. */
  note?: string;
}

export function diffLimit(request: { limit?: number; format: string; terminal: boolean; changes: number }): DiffLimit {
  if (request.limit !== undefined) return { limit: request.limit };
  if (request.format !== 'text' || !request.terminal || request.changes <= TERMINAL_DIFF_ABOVE) return {};
  return {
    limit: TERMINAL_DIFF_LIMIT,
    note:
      `(${request.changes} changes: a terminal shows ${TERMINAL_DIFF_LIMIT} of each kind per table. ` +
      `"salvage diff --limit N" shows N; "salvage diff | less" or "salvage diff > changes.txt" shows all; ` +
      `"salvage diff --format html > review.html" gives a page to search and filter.)`,
  };
}
