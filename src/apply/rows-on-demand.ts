/** Each on-demand array's decoder, for rowsOnce. */
const decoders = new WeakMap<object, () => unknown[]>();

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
  // Note: V8 keeps a WeakRef's target alive until the current job ends, and parsing a
  // patch is one job: a pass made while parsing goes through rowsOnce instead.
  const rows = (): T[] => {
    let decoded = last?.deref();
    if (!decoded) {
      decoded = decode();
      last = new WeakRef(decoded);
    }
    return decoded;
  };
  const proxy = new Proxy<T[]>([], {
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
  decoders.set(proxy, decode);
  return proxy;
}

/**
 * The rows for a single pass, decoded afresh and not cached: for a check made while the
 * patch is parsed, which would otherwise keep every block's decoded rows until parsing
 * ends (a million rows of the key map held 150 MB). Rows not on demand are returned as they are.
 */
export function rowsOnce<T>(rows: T[]): T[] {
  const decode = decoders.get(rows);
  return decode ? (decode() as T[]) : rows;
}
