import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Fills the TODOs `salvage init` left, the way a person would after reading them:
 * a `column: 'TODO: ...'` line gets the spec given for `file#column`, and a TODO
 * condition (`'TODO: which messages...': true` under when:) is replaced by the
 * condition given for `file#when`. Throws if a TODO has no fill, or a fill finds no
 * TODO, so a test always knows exactly which TODOs init wrote.
 */
export async function fillTodos(mappingsDir: string, fills: Record<string, string>): Promise<void> {
  const unused = new Set(Object.keys(fills));
  const files = new Set(Object.keys(fills).map((k) => k.split('#')[0] as string));
  for (const file of files) {
    const full = path.join(mappingsDir, file);
    const lines = (await readFile(full, 'utf8')).split('\n');
    const filled = lines.map((line) => {
      const condition = /^(\s+)'TODO:(?:[^']|'')*': true/.exec(line);
      const column = /^(\s+)([A-Za-z0-9_]+|'[^']*'): 'TODO:/.exec(line);
      if (!condition && !column) return line;
      const key = condition ? `${file}#when` : `${file}#${(column?.[2] as string).replace(/^'|'$/g, '')}`;
      const fill = fills[key];
      if (fill === undefined) throw new Error(`no fill for the TODO at ${file}: ${line.trim()}`);
      unused.delete(key);
      return condition ? `${condition[1]}${fill}` : `${column?.[1]}${column?.[2]}: ${fill}`;
    });
    await writeFile(full, filled.join('\n'), 'utf8');
  }
  if (unused.size) throw new Error(`these fills found no TODO: ${[...unused].join(', ')}`);
}

/** Every `TODO:` left in the texts (outside comments). */
export function todosLeft(texts: string[]): string[] {
  return texts.flatMap((t) => t.split('\n').filter((l) => !l.trimStart().startsWith('#') && l.includes('TODO:')));
}
