/**
 * The SourceRecord envelope: one observation from one outside system, in one shape
 * for every connector. Every later stage cites records by `source` + `id` and shows
 * `ref` to humans, so both must be stable across re-runs of a pull.
 */
export interface SourceRecord {
  /** The source's name in salvage.yaml (`payments`, `inbox`...). */
  source: string;
  /** Dotted kind of record: `stripe.charge`, `email.message`, `calendar.event`, `csv.row`. */
  type: string;
  /** Stable id within the source (Stripe id, Message-ID, event UID + recurrence id, file + line). */
  id: string;
  /** Provenance URI a human can follow: `stripe:ch_1`, `file://exports/a.csv#L12`. */
  ref: string;
  /** ISO-8601 instant at which salvage read the record. */
  observedAt: string;
  /** ISO-8601 instant at which the outside system created the object, when known. */
  createdAt?: string;
  /** ISO-8601 instant of the object's last change, when known. */
  updatedAt?: string;
  /** The source says the object was deleted or cancelled. It is still evidence. */
  deleted?: boolean;
  /** The source's own fields, unchanged in meaning. */
  data: Record<string, unknown>;
}

const REQUIRED_STRINGS = ['source', 'type', 'id', 'ref', 'observedAt'] as const;

/** Returns a list of problems (empty when the value is a valid envelope). */
export function envelopeProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return ['a record must be a JSON object'];
  }
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of REQUIRED_STRINGS) {
    if (typeof v[key] !== 'string' || v[key] === '') problems.push(`"${key}" must be a non-empty string`);
  }
  for (const key of ['createdAt', 'updatedAt'] as const) {
    if (v[key] !== undefined && typeof v[key] !== 'string') problems.push(`"${key}" must be an ISO-8601 string when present`);
  }
  if (v.deleted !== undefined && typeof v.deleted !== 'boolean') problems.push('"deleted" must be true or false when present');
  if (v.data === null || typeof v.data !== 'object' || Array.isArray(v.data)) problems.push('"data" must be a JSON object');
  return problems;
}
