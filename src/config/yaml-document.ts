import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type YAMLError } from 'yaml';
import type { Problem } from '../errors.js';

/**
 * A parsed YAML file that can say where any value came from, so that config and
 * mapping errors point at file:line:column.
 */
export interface YamlDocument {
  file: string;
  value: unknown;
  /** Position of the node at `path` (or of its nearest existing ancestor). */
  locate(path: ReadonlyArray<string | number>, options?: { key?: boolean }): { line: number; column: number } | undefined;
  /** Syntax errors and warnings from the YAML parser itself. */
  syntaxProblems: Problem[];
}

export function parseYamlDocument(text: string, file: string): YamlDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const syntaxProblems = oncePerMistake(doc.errors, lineCounter, file);

  function nodeAt(path: ReadonlyArray<string | number>, wantKey: boolean): Node | undefined {
    let node: unknown = doc.contents;
    let found: Node | undefined = doc.contents ?? undefined;
    for (const [i, key] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
        if (!pair) return found;
        // Point at the key when asked (unknown keys) or when the value is absent (`foo:` alone).
        node = (wantKey && i === path.length - 1) || !pair.value ? pair.key : pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
      } else {
        return found;
      }
      if (node && typeof node === 'object' && 'range' in node) found = node as Node;
      else return found;
    }
    return found;
  }

  const value = syntaxProblems.length ? undefined : resolveAliases(doc, file, syntaxProblems);
  return {
    file,
    value,
    syntaxProblems,
    locate(path, options) {
      const node = nodeAt(path, options?.key ?? false);
      if (!node?.range) return undefined;
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    },
  };
}

/**
 * The document as plain values. An alias that expands without bound (a "billion laughs"
 * file) or that refers to itself cannot be resolved: that is a problem of the file,
 * reported like a syntax error, not a crash.
 */
function resolveAliases(doc: ReturnType<typeof parseDocument>, file: string, problems: Problem[]): unknown {
  try {
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    // toJS turns an anchor used inside itself into a cycle, which every later walk would follow forever.
    if (holdsCycle(value)) {
      problems.push({ file, line: 1, column: 1, message: 'an anchor (&name) is used inside itself (*name): the value would be infinite; write it out instead' });
      return undefined;
    }
    return value;
  } catch (error) {
    const why = /alias count/i.test((error as Error).message)
      ? 'its aliases (*name) expand to too many values (more than 100 uses of an anchor); write the values out instead'
      : `an alias cannot be resolved (${(error as Error).message}); an anchor may not refer to itself`;
    problems.push({ file, line: 1, column: 1, message: why });
    return undefined;
  }
}

/** Whether an object graph refers back to one of its own ancestors (checked without recursion). */
function holdsCycle(root: unknown): boolean {
  const onPath = new Set<object>();
  const stack: Array<{ node: object; children: unknown[]; next: number }> = [];
  const enter = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object') return false;
    if (onPath.has(node)) return true;
    onPath.add(node);
    stack.push({ node, children: node instanceof Map ? [...node.values()] : Object.values(node), next: 0 });
    return false;
  };
  if (enter(root)) return true;
  while (stack.length) {
    const top = stack[stack.length - 1] as { node: object; children: unknown[]; next: number };
    if (top.next < top.children.length) {
      if (enter(top.children[top.next++])) return true;
    } else {
      onPath.delete(top.node);
      stack.pop();
    }
  }
  return false;
}

/** Turns a problem at a YAML path into a positioned Problem. */
export function problemAt(doc: YamlDocument, path: ReadonlyArray<string | number>, message: string, options?: { key?: boolean }): Problem {
  const pos = doc.locate(path, options);
  return { file: doc.file, line: pos?.line, column: pos?.column, message };
}

/**
 * What the parser says when a block cannot be read as mappings: it repeats this for every
 * later line of the block, so one mis-indented line yielded over a hundred errors.
 */
const CASCADE = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/** What to do about an error whose own words name the parser's view, not the fix. */
const HINTS: Readonly<Record<string, string>> = {
  BAD_INDENT: 'indent this line like the other keys at its level (spaces only)',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation of this line and the next ones: a key indented more or less than its neighbours breaks the block',
  MULTILINE_IMPLICIT_KEY: 'check the indentation of this line and the next ones: a key indented more or less than its neighbours breaks the block',
  TAB_AS_INDENT: 'indent with spaces',
};

/**
 * The parser's errors as problems, one per mistake: one per line (the most specific of
 * that line's errors), and lines that only carry the cascade of an earlier error are
 * counted into it rather than listed. An independent second mistake on a later line that
 * says something else is still reported.
 */
function oncePerMistake(errors: readonly YAMLError[], lineCounter: LineCounter, file: string): Problem[] {
  const byLine = new Map<number, Array<{ error: YAMLError; column: number }>>();
  for (const error of errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    const list = byLine.get(pos.line) ?? [];
    list.push({ error, column: pos.col });
    byLine.set(pos.line, list);
  }
  const out: Array<{ problem: Problem; followers: number }> = [];
  for (const [line, found] of [...byLine.entries()].sort((a, b) => a[0] - b[0])) {
    const specific = found.find((f) => !CASCADE.has(f.error.code));
    const last = out[out.length - 1];
    if (!specific && last) {
      last.followers++;
      continue;
    }
    const chosen = specific ?? found[0];
    if (!chosen) continue;
    const words = chosen.error.message.split('\n')[0] ?? chosen.error.message;
    // A flow collection's BAD_INDENT already says what to do ("... end with a ]").
    const hint = words.startsWith('Flow ') ? undefined : HINTS[chosen.error.code];
    out.push({ problem: { file, line, column: chosen.column, message: hint ? `${words} (${hint})` : words }, followers: 0 });
  }
  return out.map(({ problem, followers }) =>
    followers === 0
      ? problem
      : { ...problem, message: `${problem.message}; ${followers} later line${followers === 1 ? '' : 's'} cannot be read until it is fixed` },
  );
}
