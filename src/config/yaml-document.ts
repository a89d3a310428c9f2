import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
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
  const syntaxProblems: Problem[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { file, line: pos.line, column: pos.col, message: e.message.split('\n')[0] ?? e.message };
  });

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

  return {
    file,
    value: syntaxProblems.length ? undefined : doc.toJS({ maxAliasCount: 100 }),
    syntaxProblems,
    locate(path, options) {
      const node = nodeAt(path, options?.key ?? false);
      if (!node?.range) return undefined;
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    },
  };
}

/** Turns a problem at a YAML path into a positioned Problem. */
export function problemAt(doc: YamlDocument, path: ReadonlyArray<string | number>, message: string, options?: { key?: boolean }): Problem {
  const pos = doc.locate(path, options);
  return { file: doc.file, line: pos?.line, column: pos?.column, message };
}
