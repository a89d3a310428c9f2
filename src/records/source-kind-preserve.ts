/**
 * What `salvage preserve` needs from a kind whose evidence ages: a mailbox or a calendar
 * changes as people work, and Stripe drops its events after 30 days. A kind that does
 * not age (files, kept read-only as they are) has no preserve part.
 */
export interface PreservePart<Options> {
  /** The options that pull just what ages (Stripe: only its events); without it, the source as configured. */
  aging?(options: Options): Options;
  /** What expires when, in words, once `saved` was written to the preserved file. */
  expiry(saved: PreservedRecords): string;
}

/** What a preserve run wrote for one source. */
export interface PreservedRecords {
  count: number;
  /** Per record type, the oldest `createdAt` written (ISO text): when the first of them ages out. */
  oldestCreated: ReadonlyMap<string, string>;
  /** "Now", for the dates. */
  now: Date;
}
