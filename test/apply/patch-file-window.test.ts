import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileWindow } from '../../src/apply/byte-source.js';
import { digestOf } from '../../src/apply/copy-data.js';
import { readPatchStatements, type PatchStatement } from '../../src/apply/patch-statements.js';
import { SafetyRefusal } from '../../src/errors.js';
import { collectGarbage } from '../../src/runtime/memory.js';
import { PATCH_BEGIN, PATCH_COMMIT, PATCH_SETTINGS, sqlComment } from '../../src/sql/dml.js';
import { copyBlock, createStage, insertFromStage, stageTable } from '../../src/sql/staged.js';

const table = { schema: 'public', name: 'notes' };
const columns = ['id', 'note'];
const HOSTILE = ["O'Brien;", 'back\\slash', 'tab\there', 'line\nbreak;\n', '"quoted"', 'emoji 🚣‍♀️', '\\.', 'COMMIT;', null];

/** A patch of `blocks` staged inserts of `rows` rows each, as salvage writes them. */
function stagedPatch(blocks: number, rows: number): string {
  const parts = [sqlComment('staged test patch'), PATCH_BEGIN, ...PATCH_SETTINGS];
  for (let b = 1; b <= blocks; b++) {
    const stage = stageTable(b);
    parts.push(
      sqlComment(`block ${b}`),
      createStage(stage, table, columns.map((c) => ({ name: c, from: c }))),
      copyBlock(stage, columns, Array.from({ length: rows }, (_, i) => [String(b * rows + i), HOSTILE[i % HOSTILE.length] ?? `note number ${i} of block ${b}`])),
      insertFromStage(table, columns, stage),
    );
  }
  parts.push(PATCH_COMMIT, '');
  return parts.join('\n');
}

/** What a statement says, its COPY data included, for comparing two readings of one patch. */
function shape(s: PatchStatement): unknown {
  return s.kind === 'copy' ? { kind: s.kind, text: s.text, line: s.line, dataLine: s.dataLine, data: digestOf(s.data.read()), rows: s.rows.length } : { kind: s.kind, text: s.text, line: s.line };
}

describe('apply reads patch.sql through a window, not whole', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'salvage-window-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file of blocks larger than its window exactly as it reads the same text', async () => {
    // 120,000 rows a block: about 3 MB of COPY data each, so blocks and statements straddle the 4 MB reads.
    const sql = stagedPatch(4, 120_000);
    const file = path.join(dir, 'patch.sql');
    await writeFile(file, sql);
    const fromText = await readPatchStatements(sql, 'patch.sql', 'patch');
    const fromFile = await readPatchStatements({ path: file, sha256: digestOf(Buffer.from(sql)) }, 'patch.sql', 'patch');
    expect(fromFile.map(shape)).toEqual(fromText.map(shape));
    const copies = fromFile.filter((s) => s.kind === 'copy');
    expect(copies).toHaveLength(4);
    const lines = sql.split('\n');
    for (const copy of copies) expect(lines[copy.dataLine - 1]).toBe(`${(copies.indexOf(copy) + 1) * 120_000}\tO'Brien;`);
  });

  it('finds a line that straddles two reads of the window', async () => {
    const file = path.join(dir, 'straddle');
    const before = (4 << 20) - 2;
    await writeFile(file, Buffer.concat([Buffer.alloc(before, 'a'), Buffer.from('\n\\.\nafter', 'latin1')]));
    const window = new FileWindow(file);
    try {
      expect(window.indexOf(Buffer.from('\n\\.\n', 'latin1'), 0)).toBe(before);
      expect(window.subarray(before, before + 9).toString('latin1')).toBe('\n\\.\nafter');
      expect(window.indexOf(Buffer.from('missing'), 0)).toBe(-1);
    } finally {
      window.close();
    }
  });

  it('refuses a file whose bytes are not the ones verified', async () => {
    const sql = stagedPatch(1, 10);
    const file = path.join(dir, 'changed.sql');
    await writeFile(file, sql);
    const read = readPatchStatements({ path: file, sha256: digestOf(Buffer.from(`${sql} `)) }, 'patch.sql', 'patch');
    await expect(read).rejects.toThrow(SafetyRefusal);
    await expect(read).rejects.toThrow(/patch\.sql changed while apply was reading it/);
  });

  it('reports a file edited since it was verified as edited, not as whatever the edit broke', async () => {
    const sql = stagedPatch(1, 10);
    const file = path.join(dir, 'broken.sql');
    const sha256 = digestOf(Buffer.from(sql));
    await writeFile(file, sql.replace('CREATE TEMP TABLE', 'CREATE TABLE'));
    const read = readPatchStatements({ path: file, sha256 }, 'patch.sql', 'patch');
    await expect(read).rejects.toThrow(/patch\.sql changed while apply was reading it/);
  });

  it('refuses COPY data changed in the file after it was checked, when it is read again', async () => {
    const sql = stagedPatch(1, 10);
    const file = path.join(dir, 'edited.sql');
    await writeFile(file, sql);
    const statements = await readPatchStatements({ path: file, sha256: digestOf(Buffer.from(sql)) }, 'patch.sql', 'patch');
    const copy = statements.find((s) => s.kind === 'copy');
    if (copy?.kind !== 'copy') throw new Error('expected a COPY statement');
    expect(copy.data.read().toString('utf8')).toContain("O'Brien;");
    // Same length, one byte different: what apply would send to COPY is no longer what it checked.
    const at = Buffer.from(sql).indexOf("O'Brien;");
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from('X'), 0, 1, at);
    await handle.close();
    expect(() => copy.data.read()).toThrow(SafetyRefusal);
    expect(() => copy.data.read()).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${copy.dataLine}: this COPY data changed after apply checked it`));
    expect(() => copy.rows[0]).toThrow(/changed after apply checked it/);
  });

  it('keeps none of the COPY data in memory once the file is read: each block is read again when it is sent', async () => {
    const sql = stagedPatch(6, 150_000); // about 24 MB, in blocks of about 4 MB
    const size = Buffer.byteLength(sql);
    const file = path.join(dir, 'large.sql');
    await writeFile(file, sql);
    const sha256 = createHash('sha256').update(sql).digest('hex');
    const arrayBuffers = () => {
      // Twice: an ArrayBuffer's memory is returned in the collection after the one that found it dead.
      collectGarbage();
      collectGarbage();
      return process.memoryUsage().arrayBuffers;
    };
    const before = arrayBuffers();
    const statements = await readPatchStatements({ path: file, sha256 }, 'patch.sql', 'patch');
    const held = arrayBuffers() - before;
    expect(statements.filter((s) => s.kind === 'copy')).toHaveLength(6);
    // Read from memory instead, the same patch keeps every block's data: the check above would fail.
    expect(held).toBeLessThan(size * 0.1);
  });
});
