import { describe, expect, it } from 'vitest';
import { readPatchStatements } from '../../src/apply/patch-statements.js';
import { SafetyRefusal } from '../../src/errors.js';
import { insertRows, PATCH_BEGIN, PATCH_COMMIT, PATCH_SETTINGS, sqlComment } from '../../src/sql/dml.js';

const table = { schema: 'public', name: 'notes' };

/** A patch as salvage writes it, with values that put `;` at the end of a line inside literals. */
function patchWith(values: string[][]): string {
  const inserts = values.map((rows) => insertRows(table, ['id', 'note'], rows.map((note, i) => ({ values: [String(i + 1), note] }))));
  return [sqlComment('test patch'), PATCH_BEGIN, ...PATCH_SETTINGS, ...inserts, PATCH_COMMIT, ''].join('\n');
}

describe('reading a patch back, one statement at a time', () => {
  it('keeps statements whole when a literal holds a `;` at the end of a line, with the right lines', async () => {
    const sql = patchWith([['first;\nsecond', 'plain'], ['x;\n;\n;\ny', "'; DROP TABLE notes;\n--"]]);
    const statements = await readPatchStatements(sql, 'patch.sql', 'patch');
    expect(statements.map((s) => s.kind)).toEqual(['control', 'control', 'control', 'insert', 'insert', 'control']);
    const inserts = statements.filter((s) => s.kind === 'insert');
    expect(inserts.map((s) => (s.kind === 'insert' ? s.rows : []))).toEqual([
      [['1', 'first;\nsecond'], ['2', 'plain']],
      [['1', 'x;\n;\n;\ny'], ['2', "'; DROP TABLE notes;\n--"]],
    ]);
    // Each statement's text is exactly its span of the file, and its line is where it starts.
    for (const s of statements) expect(sql).toContain(s.text);
    const lines = sql.split('\n');
    for (const s of statements) expect(lines[s.line - 1]?.startsWith(s.text.split('\n')[0] as string), s.text).toBe(true);
  });

  it('refuses a file with a syntax error anywhere, as not valid SQL', async () => {
    const sql = patchWith([['a;\nb']]).replace('COMMIT;', 'COMMIT;\nSELEC 1;\n');
    await expect(readPatchStatements(sql, 'patch.sql', 'patch')).rejects.toThrow(SafetyRefusal);
    await expect(readPatchStatements(sql, 'patch.sql', 'patch')).rejects.toThrow(/patch\.sql: is not valid SQL \(syntax error at or near "SELEC"\)/);
  });
});
