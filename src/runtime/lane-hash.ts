/**
 * Folds (XOR) the hash of one column's value into a digest's two lanes: two independent
 * 32-bit lanes of cyrb53's mixing over the name, a separator, and the value. Nothing is
 * allocated: this runs for every column of every candidate and backup row (reconcile's
 * fingerprints), and DigestSet hashes a text as a value with an empty name.
 */
export function foldColumn(lanes: { a: number; b: number }, column: string, key: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < column.length; i++) {
    const c = column.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  // NUL cannot occur in a column name, so name and value cannot trade characters.
  h1 = Math.imul(h1, 2654435761);
  h2 = Math.imul(h2, 1597334677);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  lanes.a = (lanes.a ^ h1) >>> 0;
  lanes.b = (lanes.b ^ h2) >>> 0;
}
