import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, type Problem } from '../errors.js';
import { parseMappings } from '../mapping/load.js';
import type { MappingSet, TableMapping } from '../mapping/types.js';

export interface LoadedMappings {
  /** Every file that compiled (a table mapped twice: only its first file). */
  mappings: MappingSet;
  problems: Problem[];
  /** Files that did not load: their rules are neither checked against the schema nor run. */
  unloaded: string[];
}

/**
 * Loads each mapping file on its own, so that one broken file does not hide what
 * the others would do: every file's problems are reported, and every file that
 * compiles is still checked against the schema and run over the records.
 */
export async function loadMappingFiles(dir: string): Promise<LoadedMappings> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (error) {
    return empty([{ file: dir, message: `cannot read the mappings folder: ${(error as Error).message} (set "mappings:" in salvage.yaml)` }]);
  }
  if (names.length === 0) return empty([{ file: dir, message: 'no mapping files (*.yaml): write one per table, or run "salvage init"' }]);

  const problems: Problem[] = [];
  const tables: TableMapping[] = [];
  const compiled: Array<{ file: string; text: string }> = [];
  const unloaded: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const text = await readFile(file, 'utf8');
    try {
      tables.push(...parseMappings([{ file, text }]).tables);
      compiled.push({ file, text });
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...withoutNoiseAtTodos(error.problems.map(plainTodo)));
      unloaded.push(file);
    }
  }
  // Together, for what only shows across files: a table mapped in two of them.
  try {
    parseMappings(compiled);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    problems.push(...error.problems);
  }
  const seen = new Set<string>();
  const kept = tables.filter((t) => !seen.has(t.table) && seen.add(t.table));
  return { mappings: { tables: kept, rules: kept.flatMap((t) => t.rules) }, problems, unloaded };
}

/** At a TODO, the loader's other words (how a transform is written) only distract from it. */
function withoutNoiseAtTodos(problems: Problem[]): Problem[] {
  const at = (p: Problem) => `${p.file}:${p.line}:${p.column}`;
  const todos = new Set(problems.filter((p) => p.message.startsWith('TODO:')).map(at));
  return problems.filter((p) => p.message.startsWith('TODO:') || !todos.has(at(p)));
}

function empty(problems: Problem[]): LoadedMappings {
  return { mappings: { tables: [], rules: [] }, problems, unloaded: [] };
}

/**
 * A TODO left by `salvage init` is refused by the loader as a field path it cannot
 * read (`cannot read path "TODO: ..." at character 5: ...`); said plainly here, it is
 * the TODO's own text at its line.
 */
export function plainTodo(problem: Problem): Problem {
  const m = /"(TODO:[^"]*(?:"[^"]*)*?)"(?: at character \d+| is not)/.exec(problem.message) ?? /"(TODO:.*?)"/.exec(problem.message);
  if (!m) return problem;
  return { ...problem, message: (m[1] as string).replace(/\s+/g, ' ') };
}
