/**
 * readChangeset shares what changes repeat (shared-evidence.ts): the changeset read back
 * must still equal the one written, value for value and key order for key order, while
 * a record's evidence is one object per change instead of one per column.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Changeset } from '../../src/changeset/changeset.js';
import { readChangeset } from '../../src/changeset/read-changeset.js';
import { SharedEvidence } from '../../src/changeset/shared-evidence.js';
import { hostileChangeset, syntheticChangeset } from '../report/fixtures.js';
import { hostileChangeset as hostileValues } from '../support/hostile-changeset.js';
import { tempJobDir } from '../support/flow.js';
import { writeChangeset } from '../../src/changeset/write-changeset.js';

async function roundTrip(changeset: Changeset): Promise<Changeset> {
  const file = path.join(await tempJobDir('shared-evidence'), 'changeset.json');
  await writeChangeset(file, changeset);
  return (await readChangeset(file)).changeset;
}

describe('changes read back with their evidence shared', () => {
  for (const [name, make] of Object.entries({ hostile: hostileChangeset, 'hostile values': hostileValues, synthetic: () => syntheticChangeset({ changes: 500 }) })) {
    it(`equal what was written, as JSON too: ${name}`, async () => {
      const written = make();
      const read = await roundTrip(written);
      expect(read.changes).toEqual(written.changes);
      expect(read.changes.map((c) => JSON.stringify(c))).toEqual(written.changes.map((c) => JSON.stringify(c)));
    });
  }

  it('hold one object per record and change, and one array per equal list, never across changes', async () => {
    const read = await roundTrip(syntheticChangeset({ changes: 50 }));
    // syntheticChangeset: row 0 cites its payment record for reference, email and total (and more).
    const [first, second] = read.changes;
    expect(first?.evidence.email?.[0]).toBe(first?.evidence.reference?.[0]);
    expect(first?.evidence.status).toBe(first?.evidence.starts_at);
    expect(second?.evidence.email?.[0]).not.toBe(first?.evidence.email?.[0]);
    expect(second?.evidence.status).not.toBe(first?.evidence.status);
    expect(second?.evidence.email?.[0]?.source).toBe(first?.evidence.email?.[0]?.source);
  });

  it('leaves what salvage did not write as it is, for the reader to refuse', () => {
    const odd = { id: 'x', table: 't', kind: 'insert', key: {}, values: {}, evidence: 'not evidence' } as unknown as Changeset['changes'][number];
    expect(new SharedEvidence().share(odd)).toEqual(odd);
    const lists = { id: 'y', table: 't', kind: 'insert', key: {}, values: {}, evidence: { a: 'nope', b: [1, null, { source: 1 }] } } as unknown as Changeset['changes'][number];
    expect(new SharedEvidence().share(structuredClone(lists))).toEqual(lists);
  });
});
