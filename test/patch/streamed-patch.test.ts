/**
 * `salvage patch` reads changeset.json back a block at a time (accepted-file.ts) instead
 * of holding every change. What it writes must be exactly what buildPatch makes of the
 * changeset in memory: patch.sql, undo.sql and the manifest, for seeded changesets of
 * every kind of change, decisions of every kind, and layouts that stage and chunk.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDecisions } from '../../src/decide/apply-decisions.js';
import { decisionsSchema } from '../../src/decide/schema.js';
import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { sha256 } from '../../src/patch/manifest.js';
import { buildPatch, derivePatchManifest, writePatch, type PatchLayout } from '../../src/patch/patch.js';
import { readChangeset } from '../../src/changeset/read-changeset.js';
import { seededRandom, type Random } from '../fakes/stripe/random.js';
import { changesetOf } from '../support/changeset.js';
import { hostileChangeset } from '../support/hostile-changeset.js';
import { tempJobDir } from '../support/flow.js';
import { writeChangeset } from '../../src/changeset/write-changeset.js';
import { acceptedFromFile } from '../../src/patch/accepted-file.js';
import { NO_PROGRESS } from '../../src/runtime/progress.js';

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const ev = (source: string, ref: string, rule: string) => [{ source, record: ref, ref, rule }];

/**
 * Two tables (a parent with a sequence, a child), every kind of change, varied column
 * sets, new rows whose keys the target makes (some children pointing at a parent the
 * patch leaves out). The tables' changes interleaved, or in the tables' order as
 * reconcile writes them (`ordered`), which lets the patch plan the key map as it reads.
 */
function seededChangeset(seed: number, size: number, ordered = seed % 2 === 0): Changeset {
  const random = seededRandom(seed);
  const customers = {
    table: 'public.customers',
    schema: 'public',
    name: 'customers',
    primaryKey: ['id'],
    columns: { id: 'bigint', email: 'text', name: 'text', note: 'text' },
    sequence: { schema: 'public', name: 'customers_id_seq', column: 'id' },
    keyAtApply: { column: 'id', generator: { kind: 'sequence' as const, schema: 'public', name: 'customers_id_seq' } },
    counts: { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 },
  };
  const keyedCustomers: string[] = [];
  const bookings = { table: 'public.bookings', schema: 'public', name: 'bookings', primaryKey: ['id'], columns: { id: 'bigint', customer_id: 'bigint', total: 'numeric(10,2)', status: 'text', at: 'timestamp with time zone' }, counts: { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 } };
  const changes: Change[] = [];
  for (let i = 0; i < size; i++) {
    const t = random() < 0.4 ? customers : bookings;
    const kind = pick(random, ['insert', 'insert', 'insert', 'update', 'update', 'conflict', 'unrecoverable'] as const);
    const id = String(1000 + i);
    const rule = pick(random, ['a.yaml#one', 'a.yaml#two', 'b.yaml#three']);
    const source = pick(random, ['stripe', 'mail', 'calendar']);
    const columns = Object.keys(t.columns).filter((c) => c !== 'id' && random() < 0.7);
    const values: Record<string, string | null> = {};
    for (const c of columns) values[c] = random() < 0.1 ? null : c === 'total' ? `${i % 90}.${i % 10}0` : c === 'customer_id' ? String(i % 50) : `${c} ${i} O'Brien \\ "q"`;
    const evidence = Object.fromEntries(columns.map((c) => [c, ev(source, `${source}:${i}`, rule)]));
    const change: Change = { id: `${t.table}#${id}`, table: t.table, kind, key: { id }, values, evidence, confidence: { score: Math.round(random() * 100) / 100, reasons: ['seeded'] } };
    if (kind === 'insert') {
      change.values = { id, ...values };
      if (random() < 0.3) change.keyAssigned = true;
      else if (random() < 0.5 && t === customers) {
        // The target makes its key; its id names it until then.
        delete change.values.id;
        change.keyRefs = { id: change.id };
        keyedCustomers.push(change.id);
      } else if (random() < 0.5 && t === bookings) {
        const parent = keyedCustomers.length && random() < 0.8 ? pick(random, keyedCustomers) : 'public.customers#not-in-this-patch';
        delete change.values.customer_id;
        change.keyRefs = { customer_id: parent };
      }
    }
    if (kind === 'update') change.old = Object.fromEntries(columns.map((c) => [c, `old ${c}`]));
    if (kind === 'conflict') {
      const column = columns[0] ?? 'status';
      change.conflicts = { [column]: [{ value: 'A', evidence: ev('stripe', `s${i}`, rule) }, { value: 'B', evidence: ev('mail', `m${i}`, rule) }] };
      if (random() < 0.5) change.old = { [column]: 'before' };
      else change.values = { id, ...values };
    }
    if (kind === 'unrecoverable') Object.assign(change, { reason: 'missing-required', detail: 'no source gives it' });
    t.counts[kind]++;
    changes.push(change);
  }
  if (ordered) changes.sort((a, b) => Number(a.table === bookings.table) - Number(b.table === bookings.table));
  return changesetOf([customers, bookings], changes, [{ name: 'stripe', records: size }]);
}

/** Decisions of every kind, some naming nothing (stale), some resolving conflicts. */
function seededDecisions(seed: number, changeset: Changeset): unknown {
  const random = seededRandom(seed * 7 + 1);
  const conflicts = changeset.changes.filter((c) => c.kind === 'conflict');
  const resolve: Record<string, Record<string, unknown>> = {};
  for (const c of conflicts) {
    if (random() < 0.6) resolve[c.id] = Object.fromEntries(Object.keys(c.conflicts ?? {}).map((col) => [col, random() < 0.5 ? { value: `chosen ${col}` } : { source: pick(random, ['stripe', 'mail', 'nobody']) }]));
  }
  resolve['public.bookings#nope'] = { status: { value: 'x' } };
  const ids = changeset.changes.map((c) => c.id);
  return {
    default: random() < 0.3 ? 'review' : 'accept',
    accept: [pick(random, ids), { rule: 'a.yaml#two' }, { kind: 'update' }, 'public.customers#none'],
    reject: [pick(random, ids), { table: 'bookings' }].slice(0, random() < 0.5 ? 1 : 2),
    confidence: random() < 0.5 ? { accept: 0.4, reject: 0.1 } : {},
    resolve,
  };
}

const LAYOUTS: PatchLayout[] = [
  { stageAbove: 1000, stageChunk: 100_000 },
  { stageAbove: 3, stageChunk: 5 },
  { stageAbove: 0, stageChunk: 2 },
];

/** writePatch (the streamed read) against buildPatch on the changeset read whole. */
async function expectSamePatch(changeset: Changeset, decisions: unknown, layout: PatchLayout): Promise<void> {
  const job = await tempJobDir('streamed-patch');
  const file = path.join(job, 'changeset.json');
  await writeChangeset(file, changeset);
  const decisionsText = JSON.stringify(decisions);
  await writeFile(path.join(job, 'decisions.yaml'), decisionsText);
  const { dir, manifest } = await writePatch(job, file, { layout });
  const whole = await readChangeset(file);
  const expected = buildPatch(whole.changeset, whole.sha256, applyDecisions(whole.changeset, decisionsSchema.parse(decisions)), sha256(decisionsText), layout);
  expect(await readFile(path.join(dir, 'patch.sql'), 'utf8')).toBe(expected.patchSql);
  expect(await readFile(path.join(dir, 'undo.sql'), 'utf8')).toBe(expected.undoSql);
  expect({ ...manifest, createdAt: '' }).toEqual({ ...expected.manifest, createdAt: '' });
  // The rows spilled on the way are gone.
  expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'patch.sql', 'undo.sql']);
}

describe('the patch made from changeset.json read back in blocks', () => {
  it('is byte for byte the patch of the changeset in memory (60 seeded changesets and decisions, 3 layouts)', { timeout: 120_000 }, async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const changeset = seededChangeset(seed, 5 + (seed % 7) * 9);
      await expectSamePatch(changeset, seededDecisions(seed, changeset), LAYOUTS[seed % LAYOUTS.length] as PatchLayout);
    }
  });

  it('is byte for byte the same for hostile names and values, staged and not', async () => {
    for (const layout of LAYOUTS) await expectSamePatch(hostileChangeset(), {}, layout);
  });

  it('derives, without holding or writing the SQL, the manifest writePatch writes: the checksums apply proves a patch by', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const changeset = seed === 1 ? hostileChangeset() : seededChangeset(seed, 5 + (seed % 7) * 9);
      const job = await tempJobDir('derived-manifest');
      const file = path.join(job, 'changeset.json');
      await writeChangeset(file, changeset);
      await writeFile(path.join(job, 'decisions.yaml'), JSON.stringify(seededDecisions(seed, changeset)));
      const { dir, manifest } = await writePatch(job, file);
      const derived = await derivePatchManifest(job, file);
      expect({ ...derived, createdAt: '' }).toEqual({ ...manifest, createdAt: '' });
      expect(derived.patch.sha256).toBe(sha256(await readFile(path.join(dir, 'patch.sql'), 'utf8')));
      expect(derived.undo.sha256).toBe(sha256(await readFile(path.join(dir, 'undo.sql'), 'utf8')));
      expect((await readdir(job)).filter((name) => name.endsWith('.partial'))).toEqual([]);
    }
  });

  it('plans the key map as it reads a changeset in the order reconcile writes (tables in turn), and reads the rows back for it otherwise', async () => {
    for (const ordered of [true, false]) {
      const job = await tempJobDir('keyed-plan');
      const file = path.join(job, 'changeset.json');
      await writeChangeset(file, seededChangeset(4, 200, ordered));
      const read = await acceptedFromFile(file, decisionsSchema.parse({}), NO_PROGRESS, path.join(job, 'rows.partial'));
      read?.close();
      expect(read?.keyedPlan !== undefined).toBe(ordered);
    }
  });

  it('falls back to reading the file whole when reconcile did not lay it out', async () => {
    const changeset = seededChangeset(99, 40);
    const job = await tempJobDir('streamed-patch');
    const file = path.join(job, 'changeset.json');
    await writeFile(file, JSON.stringify(changeset, null, 2));
    const { dir, manifest } = await writePatch(job, file);
    const expected = buildPatch(changeset, sha256(await readFile(file, 'utf8')));
    expect(await readFile(path.join(dir, 'patch.sql'), 'utf8')).toBe(expected.patchSql);
    expect(manifest.counts).toEqual(expected.manifest.counts);
  });
});
