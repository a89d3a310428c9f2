import { createHash } from 'node:crypto';
import type { MessageStructureObject } from 'imapflow';

/**
 * A cheap fingerprint of a message's body from its BODYSTRUCTURE (part types, encodings,
 * sizes, dispositions; not the boundaries, which each mailer picks at random). Copies of
 * one message in several mailboxes share it, so a copy is recognised without its body
 * being downloaded; a different body under the same Message-ID almost always differs
 * here, and is then downloaded and compared by content (contentDigest), as eml does.
 */
export function bodyShape(structure: MessageStructureObject | undefined): string {
  if (structure === undefined) return 'unknown';
  return createHash('sha256').update(JSON.stringify(shapeOf(structure))).digest('hex').slice(0, 16);
}

function shapeOf(node: MessageStructureObject): unknown[] {
  const parameters = Object.entries(node.parameters ?? {})
    .filter(([name]) => name.toLowerCase() !== 'boundary')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [node.type, node.encoding ?? null, node.size ?? null, node.disposition ?? null, parameters, (node.childNodes ?? []).map(shapeOf)];
}
