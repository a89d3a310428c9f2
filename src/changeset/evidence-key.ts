import type { Evidence } from './changeset.js';

/** Identity of an evidence entry; length-prefixed, so no text inside a field can make two entries collide. */
export function evidenceKey(e: Evidence): string {
  return `${e.source.length}:${e.source}${e.record.length}:${e.record}${e.ref.length}:${e.ref}${e.rule.length}:${e.rule}`;
}
