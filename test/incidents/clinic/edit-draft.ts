import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * One change a reviewer makes to a mapping `salvage init` drafted. Lines are whole
 * YAML lines with their own indentation, so the test shows exactly what was typed.
 * A line is named by how it starts (after its indentation) and must be the only one
 * that does: an edit that no longer finds its line fails, so a changed draft shows.
 * `andNext` replaces that many following lines too (a when: with its condition).
 */
export type DraftEdit = { file: string; why: string } & (
  | { line: string; andNext?: number; becomes: string[] }
  | { after: string; add: string[] }
  | { dropRule: string }
  | { write: string }
  | { remove: true }
);

/** Applies the edits in order to the draft in `mappingsDir`; returns how many lines were written by hand. */
export async function editDraft(mappingsDir: string, edits: readonly DraftEdit[]): Promise<{ handLines: number }> {
  let handLines = 0;
  for (const edit of edits) {
    const file = path.join(mappingsDir, edit.file);
    if ('remove' in edit) {
      await rm(file);
      continue;
    }
    if ('write' in edit) {
      await writeFile(file, edit.write, 'utf8');
      handLines += edit.write.trimEnd().split('\n').length;
      continue;
    }
    const lines = (await readFile(file, 'utf8')).split('\n');
    if ('dropRule' in edit) {
      const at = onlyLine(lines, `- name: ${edit.dropRule}`, edit.file);
      let start = at;
      while (start > 0 && /^\s+#/.test(lines[start - 1] as string)) start--;
      let end = at + 1;
      while (end < lines.length && !/^ {2}(#|- )/.test(lines[end] as string)) end++;
      lines.splice(start, end - start);
    } else if ('becomes' in edit) {
      lines.splice(onlyLine(lines, edit.line, edit.file), 1 + (edit.andNext ?? 0), ...edit.becomes);
      handLines += edit.becomes.length;
    } else {
      lines.splice(onlyLine(lines, edit.after, edit.file) + 1, 0, ...edit.add);
      handLines += edit.add.length;
    }
    await writeFile(file, lines.join('\n'), 'utf8');
  }
  return { handLines };
}

function onlyLine(lines: string[], start: string, file: string): number {
  const found = lines.flatMap((line, i) => (line.trimStart().startsWith(start) ? [i] : []));
  if (found.length !== 1) throw new Error(`${file}: ${found.length} lines start with ${JSON.stringify(start)}, expected exactly one: the draft changed`);
  return found[0] as number;
}
