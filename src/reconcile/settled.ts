/**
 * Candidate groups the backup scan settled as unchanged, each with the key (as text) of
 * the backup row it matched. Most groups of a recovery end here (900,000 of 1.1 million
 * in the benchmark), so an integer key, the usual kind, is kept as a 32-bit integer in
 * a typed array (4 bytes a candidate) rather than as a Map entry holding a string
 * (memory and GC time); a larger one goes to the Map.
 */
export class SettledGroups {
  /** UNSET where a group is not settled by a 32-bit integer key. */
  private integerKeys: Int32Array | undefined;
  private readonly otherKeys = new Map<number, string>();
  private count = 0;

  /** `integerKey`: the key is one integer column, whose text PostgreSQL writes canonically. */
  constructor(groups: number, integerKey: boolean) {
    this.integerKeys = integerKey ? new Int32Array(groups).fill(UNSET) : undefined;
  }

  get size(): number {
    return this.count;
  }

  set(root: number, keyText: string): void {
    if (this.has(root)) this.delete(root);
    this.count++;
    const n = this.integerKeys && keyText.length <= 11 ? Number(keyText) : Number.NaN;
    // Kept as a number only where String() gives the very text back.
    if (this.integerKeys && (n | 0) === n && n !== UNSET && String(n) === keyText) this.integerKeys[root] = n;
    else this.otherKeys.set(root, keyText);
  }

  get(root: number): string | undefined {
    const n = this.integerKeys?.[root];
    if (n !== undefined && n !== UNSET) return String(n);
    return this.otherKeys.get(root);
  }

  has(root: number): boolean {
    const n = this.integerKeys?.[root];
    return (n !== undefined && n !== UNSET) || this.otherKeys.has(root);
  }

  delete(root: number): void {
    if (!this.has(root)) return;
    this.count--;
    if (this.integerKeys) this.integerKeys[root] = UNSET;
    this.otherKeys.delete(root);
  }

  clear(): void {
    // Dropped, not emptied: four bytes a candidate, ten million candidates. Keys set later go to the Map.
    this.integerKeys = undefined;
    this.otherKeys.clear();
    this.count = 0;
  }
}

/** No key: the one 32-bit integer never kept as one (its text goes to the Map). */
const UNSET = -0x80000000;
