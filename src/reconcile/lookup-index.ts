/**
 * Natural key -> parent key, for one (parent table, by column, referenced column).
 * Filled from the backup (only the keys children asked for) and from the rows
 * rebuilt in this run; an entry can also say why the parent cannot be had.
 */
export type LookupEntry = { value: string } | { reason: string };

export class LookupIndex {
  /** Natural keys that some child candidate asked for; the backup scan keeps only these. */
  readonly requested = new Set<string>();
  private readonly entries = new Map<string, LookupEntry>();

  constructor(
    readonly parentTable: string,
    readonly by: string,
    readonly refColumn: string,
  ) {}

  static keyOf(parentTable: string, by: string, refColumn: string): string {
    return `${parentTable}\u0000${by}\u0000${refColumn}`;
  }

  set(naturalKey: string, entry: LookupEntry): void {
    // A row rebuilt in this run overrides the backup's view of the same key.
    this.entries.set(naturalKey, entry);
  }

  resolve(naturalKey: string): LookupEntry {
    return (
      this.entries.get(naturalKey) ?? {
        reason: `no ${this.parentTable} row with ${this.by} = ${JSON.stringify(naturalKey)} in the backup or among the recovered rows`,
      }
    );
  }
}
