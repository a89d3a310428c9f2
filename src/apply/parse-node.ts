import type { Node } from '@pgsql/types';

/**
 * The one place a libpg_query parse tree is narrowed from its wire format to the
 * generated node types of @pgsql/types (pinned to the version libpg-query itself
 * uses, so the types describe exactly what the parser emits). A `Node` is an
 * object with one key, its tag (`InsertStmt`, `A_Const`, ...), holding the inner
 * node. The types are a promise, not a check: every narrowing here looks at the
 * key at run time, so a tree of an unexpected shape yields undefined (or a
 * refusal), never a mistyped value. The casts below are the only ones on parse
 * tree shapes in salvage; each follows the run-time check that makes it true.
 */
export type { Node } from '@pgsql/types';

/** Every tag a node can carry. */
export type NodeTag = Node extends infer N ? (N extends unknown ? keyof N : never) : never;

/** The inner node a tag holds: `NodeOf<'InsertStmt'>` is `InsertStmt`. */
export type NodeOf<K extends NodeTag> = Node extends infer N ? (N extends { [P in K]: infer T } ? T : never) : never;

/** The node's tag: its one key, or undefined when it is not an object with exactly one. */
export function tagOf(node: Node | undefined): string | undefined {
  if (!isObject(node)) return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

/** The inner node when `node` is tagged `tag` and holds an object; otherwise undefined. */
export function nodeOf<K extends NodeTag>(node: Node | undefined, tag: K): NodeOf<K> | undefined {
  if (!isObject(node) || !Object.hasOwn(node, tag)) return undefined;
  const inner: unknown = (node as Record<string, unknown>)[tag];
  // Checked: the tag is there and holds an object, which is what the parser puts under it.
  return isObject(inner) ? (inner as NodeOf<K>) : undefined;
}

/**
 * The inner node where the parser always puts one tag (a VALUES row is a List, a
 * target list holds ResTargets, a statement's switch case holds its own tag): any
 * other shape is refused by name instead of failing on a missing property later.
 */
export function requireNode<K extends NodeTag>(node: Node | undefined, tag: K, refuse: (why: string) => never): NodeOf<K> {
  const inner = nodeOf(node, tag);
  if (inner) return inner;
  const found = tagOf(node);
  return refuse(`unexpected parse tree: expected ${tag}, found ${found === tag ? `a malformed ${tag}` : (found ?? 'nothing')}`);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
