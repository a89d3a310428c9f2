/**
 * A staged block's rows, made again from its COPY data when they are read and not kept:
 * a million decoded rows take many times the memory of their COPY text, and apply needs
 * them only rarely (a read back that found a difference, verify, the embedded database's
 * VALUES fill, a staged update's guards). The drift check and the read back join the
 * staging table itself instead. Reading `length` decodes nothing. The decoded rows are
 * held only weakly: a caller reading them index by index gets the same array while it
 * lives (not a decode per index), and once nobody holds it the collector may take it.
 */
export function rowsOnDemand<T>(length: number, decode: () => T[]): T[] {
  let last: WeakRef<T[]> | undefined;
  const rows = (): T[] => {
    let decoded = last?.deref();
    if (!decoded) {
      decoded = decode();
      last = new WeakRef(decoded);
    }
    return decoded;
  };
  return new Proxy<T[]>([], {
    get(_empty, property) {
      if (property === 'length') return length;
      const decoded = rows();
      const value: unknown = Reflect.get(decoded, property, decoded);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(decoded) : value;
    },
    has: (_empty, property) => Reflect.has(rows(), property),
    ownKeys: () => Reflect.ownKeys(rows()),
    getOwnPropertyDescriptor: (_empty, property) => (property === 'length' ? { value: length, writable: true, enumerable: false, configurable: false } : Reflect.getOwnPropertyDescriptor(rows(), property)),
  });
}
