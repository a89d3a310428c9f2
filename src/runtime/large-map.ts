/**
 * A Map from text to value that holds more than V8's limit for one Map (2^24 entries,
 * about 16.7 million: past it, `set` throws "Map maximum size exceeded"). Ten million
 * candidates with two match keys each are twenty million keys. The keys are spread over
 * several Maps by a hash of their text; iteration goes Map by Map, each in the order its
 * keys were set (not one insertion order overall).
 */
export class LargeMap<V> {
  private readonly shards: Array<Map<string, V>> = Array.from({ length: SHARDS }, () => new Map<string, V>());

  get(key: string): V | undefined {
    return this.shardOf(key).get(key);
  }

  has(key: string): boolean {
    return this.shardOf(key).has(key);
  }

  set(key: string, value: V): this {
    this.shardOf(key).set(key, value);
    return this;
  }

  clear(): void {
    for (const shard of this.shards) shard.clear();
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    for (const shard of this.shards) yield* shard;
  }

  private shardOf(key: string): Map<string, V> {
    // A few characters from the end, where keys that share a long prefix differ.
    let h = key.length;
    for (let i = Math.max(0, key.length - 8); i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 2654435761);
    return this.shards[(h >>> 28) & (SHARDS - 1)] as Map<string, V>;
  }
}

/** 16 Maps: room for some 268 million keys, memory permitting. */
const SHARDS = 16;
