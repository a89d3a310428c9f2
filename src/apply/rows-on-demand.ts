/**
 * A staged block's rows, made again from its COPY data each time they are read and never
 * kept: a million decoded rows take many times the memory of their COPY text, and apply
 * needs them only rarely (a read back that found a difference, verify, the embedded
 * database's VALUES fill, a staged update's guards). The drift check and the read back
 * join the staging table itself instead. Reading `length` decodes nothing; any other
 * use (iteration, map, an index) decodes the whole block once for that use, so a caller
 * that reads rows one index at a time must first copy them (`[...rows]`).
 */
export function rowsOnDemand<T>(length: number, decode: () => T[]): T[] {
  return new Proxy<T[]>([], {
    get(_empty, property) {
      if (property === 'length') return length;
      const rows = decode();
      const value: unknown = Reflect.get(rows, property, rows);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(rows) : value;
    },
    has: (_empty, property) => Reflect.has(decode(), property),
    ownKeys: () => Reflect.ownKeys(decode()),
    getOwnPropertyDescriptor: (_empty, property) => (property === 'length' ? { value: length, writable: true, enumerable: false, configurable: false } : Reflect.getOwnPropertyDescriptor(decode(), property)),
  });
}
