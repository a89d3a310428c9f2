/**
 * Candidate groups the backup scan settled as unchanged, each with the key (as text) of
 * the backup row it matched. Most groups of a recovery end here (900,000 of 1.1 million
 * in the benchmark), so an integer key, the usual kind, is kept as a number in a typed
 * array rather than as a Map entry holding a string (memory and GC time).
 */
export class SettledGroups {
  /** NaN where a group is not settled by an integer key. */
  private integerKeys: Float64Array | undefined;
  private readonly otherKeys = new Map<number, string>();
  private count = 0;

  /** `integerKey`: the key is one integer column, whose text PostgreSQL writes canonically. */
  constructor(groups: number, integerKey: boolean) {
    this.integerKeys = integerKey ? new Float64Array(groups).fill(Number.NaN) : undefined;
  }

  get size(): number {
    return this.count;
  }

  set(root: number, keyText: string): void {
    if (this.has(root)) this.delete(root);
    this.count++;
    // Up to 15 digits a double holds the integer exactly, and String() gives the same text back.
    if (this.integerKeys && keyText.length <= 15) this.integerKeys[root] = Number(keyText);
    else this.otherKeys.set(root, keyText);
  }

  get(root: number): string | undefined {
    const n = this.integerKeys?.[root];
    if (n !== undefined && !Number.isNaN(n)) return String(n);
    return this.otherKeys.get(root);
  }

  has(root: number): boolean {
    const n = this.integerKeys?.[root];
    return (n !== undefined && !Number.isNaN(n)) || this.otherKeys.has(root);
  }

  delete(root: number): void {
    if (!this.has(root)) return;
    this.count--;
    if (this.integerKeys) this.integerKeys[root] = Number.NaN;
    this.otherKeys.delete(root);
  }

  clear(): void {
    // Dropped, not emptied: eight bytes a candidate, ten million candidates. Keys set later go to the Map.
    this.integerKeys = undefined;
    this.otherKeys.clear();
    this.count = 0;
  }
}
