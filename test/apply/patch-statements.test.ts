import { describe, expect, it } from 'vitest';
import { readPatchStatements } from '../../src/apply/patch-statements.js';
import { SafetyRefusal } from '../../src/errors.js';
import { insertRows, PATCH_BEGIN, PATCH_COMMIT, PATCH_SETTINGS, sqlComment } from '../../src/sql/dml.js';
import { copyBlock, createStage, insertFromStage, stageTable } from '../../src/sql/staged.js';

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

describe('reading staged blocks back', () => {
  const stage = stageTable(1);
  const columns = ['id', 'note'];
  /** A staged insert of these notes, as salvage writes it. */
  function stagedPatch(notes: Array<string | null>): string {
    return [
      PATCH_BEGIN,
      sqlComment('staged'),
      createStage(stage, table, columns.map((c) => ({ name: c, from: c }))),
      copyBlock(stage, columns, notes.map((note, i) => [String(i + 1), note])),
      insertFromStage(table, columns, stage),
      PATCH_COMMIT,
      '',
    ].join('\n');
  }

  it('reads COPY data without a SQL parser: lines ending in `;`, `\\.` and escapes stay values, and lines are counted through the data', async () => {
    const notes = ['ends;', ';', '\\.', 'tab\tand\nnewline;\n', null, '\\N', 'COMMIT;'];
    const sql = stagedPatch(notes);
    const statements = await readPatchStatements(sql, 'patch.sql', 'patch');
    expect(statements.map((s) => s.kind)).toEqual(['control', 'stage', 'copy', 'insert', 'control']);
    const copy = statements[2];
    const insert = statements[3];
    expect(copy?.kind === 'copy' && copy.rows).toEqual(notes.map((note, i) => [String(i + 1), note]));
    expect(insert?.kind === 'insert' && insert.rows).toEqual(notes.map((note, i) => [String(i + 1), note]));
    expect(insert?.kind === 'insert' && insert.columns).toEqual(columns);
    const lines = sql.split('\n');
    for (const s of statements) expect(lines[s.line - 1]?.startsWith(s.text.split('\n')[0] as string), s.text).toBe(true);
    if (copy?.kind !== 'copy') throw new Error('expected a COPY statement');
    expect(lines[copy.dataLine - 1]).toBe('1\tends;');
    // The exact bytes COPY will receive: the data lines, without the end marker.
    expect(copy.data.read().toString('utf8')).toBe(`${lines.slice(copy.dataLine - 1, copy.dataLine - 1 + notes.length).join('\n')}\n`);
  });

  it('reads an empty COPY block', async () => {
    const statements = await readPatchStatements(stagedPatch([]), 'patch.sql', 'patch');
    expect(statements.map((s) => (s.kind === 'copy' || s.kind === 'insert' ? s.rows.length : s.kind))).toEqual(['control', 'stage', 0, 0, 'control']);
  });

  it('refuses data that is not what salvage writes, naming its line', async () => {
    const sql = stagedPatch(['fine', 'also fine']);
    const twoFields = sql.replace('2\talso fine', '2\talso\tfine');
    await expect(readPatchStatements(twoFields, 'patch.sql', 'patch')).rejects.toThrow(/patch\.sql:7: this COPY data line has 3 values, pg_temp\.salvage_rows_1 has 2 columns: 2\talso\tfine/);
    const octal = sql.replace('also fine', 'also \\101');
    await expect(readPatchStatements(octal, 'patch.sql', 'patch')).rejects.toThrow(/patch\.sql:7: this COPY data line holds the escape \\1 in column 2/);
    const noEnd = sql.replace('\n\\.\n', '\n');
    await expect(readPatchStatements(noEnd, 'patch.sql', 'patch')).rejects.toThrow(/not valid SQL \(COPY data has no end line/);
  });
});

describe('a VALUES block with `;` at line ends in its literals, right before a staged block', () => {
  it('is read statement by statement: the search for a statement end never runs into COPY data', async () => {
    const stage = stageTable(1);
    const columns = ['id', 'note'];
    const sql = [
      PATCH_BEGIN,
      insertRows(table, columns, [{ values: ['1', 'a;\nb;\nc;\nd;\ne'] }]),
      createStage(stage, table, columns.map((c) => ({ name: c, from: c }))),
      copyBlock(stage, columns, [['2', 'x;'], ['3', ';'], ['4', 'y;'], ['5', 'DROP TABLE notes;'], ['6', 'z;']]),
      insertFromStage(table, columns, stage),
      PATCH_COMMIT,
      '',
    ].join('\n');
    const statements = await readPatchStatements(sql, 'patch.sql', 'patch');
    expect(statements.map((s) => s.kind)).toEqual(['control', 'insert', 'stage', 'copy', 'insert', 'control']);
    const staged = statements[4];
    expect(staged?.kind === 'insert' && staged.rows.map((r) => r[1])).toEqual(['x;', ';', 'y;', 'DROP TABLE notes;', 'z;']);
  });
});
