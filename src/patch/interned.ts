/** Values that repeat from row to row (a row's set of columns), each kept once and named by a small number. */
export class Interned<T> {
  private readonly values: T[] = [];
  private readonly byKey = new Map<string, number>();

  index(key: string, value: T): number {
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.values.push(value) - 1;
      this.byKey.set(key, index);
    }
    return index;
  }

  /** The value kept under this key: `value` the first time, the first one given afterwards. */
  kept(key: string, value: T): T {
    return this.at(this.index(key, value));
  }

  at(index: number): T {
    return this.values[index] as T;
  }
}
