/**
 * A growing list of 32-bit integers in a typed array: 4 bytes an item, where a JavaScript
 * array of numbers takes 8 and more as it grows. For lists of one item per change.
 */
export class IntList {
  private items = new Int32Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.items.length) {
      // By half, not double: lists of ten million leave 20 MB unused, not 40.
      const grown = new Int32Array(Math.ceil(this.items.length * 1.5));
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.count++] = value;
  }

  /** The items so far, without a copy (a view: items pushed later are not in it). */
  view(): Int32Array {
    return this.items.subarray(0, this.count);
  }

  /** The item at `index`; undefined past the end. */
  at(index: number): number | undefined {
    return index >= 0 && index < this.count ? this.items[index] : undefined;
  }
}
