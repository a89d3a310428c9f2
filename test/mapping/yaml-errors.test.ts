import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { parseMappings } from '../../src/mapping/load.js';

function problems(text: string): string[] {
  try {
    parseMappings([{ file: 'm.yaml', text }]);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
    throw error;
  }
  return [];
}

/** Sixty columns, the size of a real table's rule, so a cascade would show. */
const COLUMNS = Array.from({ length: 60 }, (_, i) => `      col${i}: data.f${i}`).join('\n');

describe('YAML syntax mistakes in mapping files', () => {
  it('one line indented one space too little is one problem, not one per later line', () => {
    const text = `table: t\nrules:\n  - name: a\n    columns:\n      id: data.id\n     bad: data.x\n${COLUMNS}\n  - name: b\n    columns:\n${COLUMNS}\n`;
    expect(problems(text)).toEqual([
      'm.yaml:6: All mapping items must start at the same column (indent this line like the other keys at its level (spaces only)); 59 later lines cannot be read until it is fixed',
    ]);
  });

  it('a tab used as indentation is one problem', () => {
    expect(problems(`table: t\nrules:\n  - name: a\n    columns:\n\tid: data.id\n${COLUMNS}\n`)).toEqual([
      'm.yaml:5: Tabs are not allowed as indentation (indent with spaces); 59 later lines cannot be read until it is fixed',
    ]);
  });

  it('a line indented too deep is one problem at the line the parser stops at, with a hint', () => {
    const text = `table: t\nrules:\n  - name: a\n    columns:\n      id: data.id\n       bad: data.x\n${COLUMNS}\n`;
    expect(problems(text)).toEqual([
      'm.yaml:5: Nested mappings are not allowed in compact mappings (check the indentation of this line and the next ones: a key indented more or less than its neighbours breaks the block)',
    ]);
  });

  it('two independent mistakes are both reported', () => {
    const text = `table: t\ntable: u\nrules:\n  - name: a\n    columns:\n${COLUMNS}\n\tid: data.id\n${COLUMNS}\n`;
    expect(problems(text)).toEqual([
      'm.yaml:2: Map keys must be unique',
      'm.yaml:66: Tabs are not allowed as indentation (indent with spaces); 59 later lines cannot be read until it is fixed',
    ]);
    // An unclosed flow list keeps its parser's own advice, without an indentation hint.
    expect(problems(`table: t\nrules:\n  - name: a\n    when: { a: [1, 2 }\n    columns:\n      id: data.id\n`)[0]).toBe(
      'm.yaml:4: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
  });
});
