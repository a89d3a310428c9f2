/**
 * reconcile writes the changeset by copying each change's bytes from its spill; a
 * changeset in memory is written from strings. Both must make the same file, one JSON
 * document with a change per line, whatever the changes hold and however long they are.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { ChangeSpill } from '../../src/changeset/change-spill.js';
import { writeChangeset, writeChangesetTexts } from '../../src/changeset/write-changeset.js';
import { tempJobDir } from '../support/flow.js';

const HOSTILE = ["O'Brien", 'back\\slash', '"quoted"', 'emoji 🚣‍♀️ é', 'NUL \u0000 byte', 'line\nbreak', 'select'];

const header = {
  format: 'salvage.changeset/1',
  createdAt: '2026-12-07T00:00:00.000Z',
  window: { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', since: '2026-01-01T00:00:00.000Z' },
  tables: [],
} as unknown as Omit<Changeset, 'changes'>;

function changeOf(i: number): Change {
  const note = i === 7 ? 'w'.repeat(3 << 20) : `${HOSTILE[i % HOSTILE.length]} ${i}`; // one past a 1 MB piece
  return {
    id: `public.payments#${i}`,
    table: 'public.payments',
    kind: 'insert',
    key: { id: String(i) },
    values: { id: String(i), note },
    evidence: { note: [{ source: 'stripe', record: `ch_${i}`, ref: `stripe://charges/ch_${i}`, rule: 'payments.yaml#charge' }] },
  };
}

describe('writeChangesetTexts', () => {
  it('writes the same file from spilled bytes as from strings, a change per line, pieces past a megabyte included', async () => {
    const dir = await tempJobDir('write-changeset');
    const changes = Array.from({ length: 30_000 }, (_, i) => changeOf(i));
    const fromStrings = path.join(dir, 'strings', 'changeset.json');
    await writeChangeset(fromStrings, { ...header, changes });

    const spill = new ChangeSpill(path.join(dir, 'changes.partial'));
    const ordinals = changes.map((c) => spill.add(JSON.stringify(c)));
    const fromBytes = path.join(dir, 'bytes', 'changeset.json');
    // The spill hands out a view it reuses for the next read: the writer must copy it at once.
    await writeChangesetTexts(fromBytes, header, (function* () {
      for (const ordinal of ordinals) yield spill.bytes(ordinal);
    })(), changes.length);
    spill.remove();

    const [a, b] = await Promise.all([readFile(fromStrings), readFile(fromBytes)]);
    expect(b.equals(a)).toBe(true);
    const text = b.toString('utf8');
    expect(text.split('\n')).toHaveLength(changes.length + 3);
    expect((JSON.parse(text) as Changeset).changes).toEqual(changes);
  });
});
