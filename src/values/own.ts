/**
 * Column names are data: a table may well have a column named `constructor` or
 * `toString`. Records keyed by column name are read through these, never with
 * `obj[key]` or `key in obj`, which would find Object.prototype's members.
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

export function hasOwn(record: Readonly<Record<string, unknown>> | undefined, key: string): boolean {
  return record !== undefined && Object.hasOwn(record, key);
}

/** An empty record keyed by column name, with no prototype to collide with. */
export function columnRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
