/**
 * A growable column of numbers in one typed array: per-event index data for a file of
 * any size without an object (and its header) per event.
 */
type NumberArray = Float64Array | Uint32Array;

export class NumberColumn {
  private values: NumberArray;
  length = 0;

  /** Float64 for byte offsets (files past 4 GB), Uint32 for counts and line numbers. */
  constructor(private readonly make: (length: number) => NumberArray = (length) => new Float64Array(length)) {
    this.values = make(1024);
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = this.make(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  at(index: number): number {
    const value = this.values[index];
    if (value === undefined || index >= this.length) throw new RangeError(`no entry ${index} in a column of ${this.length}`);
    return value;
  }
}

export const uint32Column = (): NumberColumn => new NumberColumn((length) => new Uint32Array(length));
