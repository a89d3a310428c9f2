/**
 * Corpus, accounting: for every source, records pulled = records mapped + records that
 * matched no rule + records rejected by a failing rule. Checked on the sample incident
 * and on a small case built to tell the three apart.
 *
 * The changeset's `sources` carry the ledger (records, mapped, unmapped, rejected);
 * `unmapped` groups the records no rule applied to by source and type, with samples;
 * `failures` counts failed rule evaluations over all sources, with at most 200 samples.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';
import type { Changeset } from '../../src/changeset/changeset.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { caseDir, cliAvailable, OBSERVED_WINDOW, pullAndReconcile, query, readText, salvage, writeFiles, type PipelineRun } from './support.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();

type LedgerEntry = Changeset['sources'][number];

/** Records of a source behind each kind of entry the changeset lists. */
function unmappedOf(changeset: Changeset, source: string): number {
  return changeset.unmapped.filter((u) => u.source === source).reduce((n, u) => n + u.count, 0);
}

describe.runIf(pgUp)('corpus: the ledger of the sample incident', () => {
  let backup: TestDatabase;
  let target: TestDatabase;
  let job: string;
  let demo: DemoResult;
  let changeset: Changeset;

  beforeAll(async () => {
    backup = await createTestDatabase('corpus_ledger_backup');
    target = await createTestDatabase('corpus_ledger_target');
    job = await caseDir('ledger-demo');
    demo = await runDemo({ kinds: SOURCE_KINDS, jobDir: job, backupUrl: backup.url, targetUrl: target.url });
    changeset = JSON.parse(await readText(path.join(job, 'changeset.json'))) as Changeset;
  }, 120_000);
  afterAll(async () => {
    await backup?.drop();
    await target?.drop();
  });

  it('the demo recovers cleanly (the ledger is read from a good run)', () => {
    expect(demo.ok).toBe(true);
  });

  it('records read per source equal the lines of its records file, and no source or record is counted twice', async () => {
    for (const s of changeset.sources) {
      const lines = (await readText(path.join(job, 'records', `${s.name}.ndjson`))).split('\n').filter(Boolean).length;
      expect(s.records, s.name).toBe(lines);
    }
    expect(new Set(changeset.sources.map((s) => s.name)).size).toBe(changeset.sources.length);
    for (const s of changeset.sources) expect(unmappedOf(changeset, s.name), s.name).toBe(s.unmapped);
    // Every unmapped group belongs to a source that was read, with at most five samples.
    for (const u of changeset.unmapped) {
      expect(changeset.sources.map((s) => s.name)).toContain(u.source);
      expect(u.samples.length).toBe(Math.min(5, u.count));
    }
    // No rule failed on the sample incident: every record is mapped or unmatched.
    expect(changeset.failures).toEqual({ count: 0, samples: [] });
  });

  it('every record that is not unmatched is cited as evidence by a change, or stands behind an unchanged row', () => {
    const cited = new Map<string, Set<string>>();
    const note = (e: { source: string; record: string }) => {
      let records = cited.get(e.source);
      if (!records) cited.set(e.source, (records = new Set()));
      records.add(e.record);
    };
    for (const change of changeset.changes) {
      for (const list of Object.values(change.evidence)) list.forEach(note);
      for (const d of Object.values(change.disagreements ?? {})) for (const a of d.alternatives) a.evidence.forEach(note);
      for (const alternatives of Object.values(change.conflicts ?? {})) for (const a of alternatives) a.evidence.forEach(note);
    }
    const unchanged = changeset.tables.reduce((n, t) => n + t.counts.unchanged, 0);
    for (const s of changeset.sources) {
      const inChanges = cited.get(s.name)?.size ?? 0;
      // Records behind unchanged rows are not listed anywhere: only their total can be bounded.
      expect(inChanges, s.name).toBeLessThanOrEqual(s.mapped ?? 0);
    }
    expect(unchanged).toBeGreaterThan(0);
  });

  it('changeset.json has, per source, pulled = mapped + matched no rule + rejected', () => {
    expect(changeset.sources.length).toBeGreaterThan(0);
    for (const s of changeset.sources) {
      expect(typeof s.mapped, `${s.name}.mapped`).toBe('number');
      expect(s.records, s.name).toBe((s.mapped ?? NaN) + (s.unmapped ?? NaN) + (s.rejected ?? NaN));
    }
  });

  it.runIf(cliAvailable())('`salvage reconcile` prints the ledger line of every source', async () => {
    const result = await salvage(['reconcile', '--config', path.join(job, 'salvage.yaml')], job);
    expect(result.code).toBe(0);
    for (const s of changeset.sources) {
      expect(result.stdout).toContain(`${s.name}: ${s.records} records = ${s.mapped} mapped + ${s.unmapped} matched no rule + ${s.rejected} rejected`);
    }
  }, 60_000);
});

/**
 * Three records, three fates: one maps, one matches no rule, one is rejected by two failing
 * rules (a bad number for one table, a bad date for another).
 */
describe.runIf(pgUp)('corpus: the ledger tells mapped, unmatched and rejected apart', () => {
  let backup: TestDatabase;
  let run: PipelineRun;

  beforeAll(async () => {
    backup = await createTestDatabase('corpus_ledger_small');
    await query(backup.url, 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2)); CREATE TABLE visits (id bigint PRIMARY KEY, day date);');
    const dir = await caseDir('ledger-small');
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job\nbackup: { url: env:CORPUS_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n  ledger: { kind: csv, files: [exports/ledger.csv] }\n`,
      'mappings/orders.yaml': "table: orders\nrules:\n  - name: order\n    when: { data.kind: { in: [order, both] } }\n    columns:\n      id: { from: data.id, transform: [int] }\n      total: { from: data.total, transform: [decimal] }\n",
      'mappings/visits.yaml': "table: visits\nrules:\n  - name: visit\n    when: { data.kind: { in: [visit, both] } }\n    columns:\n      id: { from: data.id, transform: [int] }\n      day: { from: data.day, transform: [date] }\n",
      'exports/ledger.csv': 'kind,id,total,day\norder,1,10.00,\nmemo,2,,\nboth,3,ten,someday\n',
    });
    run = await pullAndReconcile(dir, { CORPUS_BACKUP_URL: backup.url });
  }, 60_000);
  afterAll(async () => {
    await backup?.drop();
  });

  it('3 pulled = 1 mapped + 1 matched no rule + 1 rejected, though the rejected record failed two rules', () => {
    expect(run.changeset.sources).toEqual([
      { name: 'ledger', records: 3, mapped: 1, unmapped: 1, rejected: 1, rejectedBy: [expect.objectContaining({ rule: 'orders.yaml#order', column: 'total', count: 1 })] },
    ]);
    expect(run.changeset.unmapped).toEqual([{ source: 'ledger', type: 'csv.row', count: 1, samples: ['file://exports/ledger.csv#L3'], gists: ['kind: memo · id: 2'] }]);
    // failures count rule evaluations, not records: one rejected record, two reasons.
    expect(run.changeset.failures.count).toBe(2);
    expect(run.changeset.failures.samples.map((f) => [f.record, f.rule, f.column])).toEqual([
      ['exports/ledger.csv#L4', 'orders.yaml#order', 'total'],
      ['exports/ledger.csv#L4', 'visits.yaml#visit', 'day'],
    ]);
  });
});

/** 250 records that every rule rejects: more than the 200 failure samples the changeset keeps. */
describe.runIf(pgUp)('corpus: the reasons for rejected records are all accounted for', () => {
  let backup: TestDatabase;
  let run: PipelineRun;

  beforeAll(async () => {
    backup = await createTestDatabase('corpus_ledger_reasons');
    await query(backup.url, 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2));');
    const dir = await caseDir('ledger-reasons');
    const rows = Array.from({ length: 250 }, (_, i) => `${i + 1},${i % 2 ? 'ten' : 'n/a'}`);
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job\nbackup: { url: env:CORPUS_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n  ledger: { kind: csv, files: [exports/ledger.csv] }\n`,
      'mappings/orders.yaml': 'table: orders\nrules:\n  - name: order\n    columns:\n      id: { from: data.id, transform: [int] }\n      total: { from: data.total, transform: [decimal] }\n',
      'exports/ledger.csv': `id,total\n${rows.join('\n')}\n`,
    });
    run = await pullAndReconcile(dir, { CORPUS_BACKUP_URL: backup.url });
  }, 60_000);
  afterAll(async () => {
    await backup?.drop();
  });

  it('the ledger counts all 250 as rejected; the samples stop at 200', () => {
    expect(run.changeset.sources).toEqual([
      { name: 'ledger', records: 250, mapped: 0, unmapped: 0, rejected: 250, rejectedBy: [expect.objectContaining({ count: 250 })] },
    ]);
    expect(run.changeset.failures.count).toBe(250);
    expect(run.changeset.failures.samples).toHaveLength(200);
  });

  // Fixed gap in the ledger: rejected records are to come "with reasons". Reasons exist
  // only as the first 200 failure samples over all sources, so past 200 the rejected records of
  // a source cannot be told apart by reason. Proposed: per source, the rejections counted by
  // rule and column (`sources[i].rejectedBy: [{ rule, column, count, example }]`), summing to `rejected`.
  it('per source, the rejections are counted by rule and column, and the counts sum to `rejected`', () => {
    for (const s of run.changeset.sources as Array<LedgerEntry & { rejectedBy?: Array<{ rule: string; column: string; count: number }> }>) {
      if (!s.rejected) continue;
      expect(s.rejectedBy, `${s.name}.rejectedBy`).toBeDefined();
      expect((s.rejectedBy ?? []).reduce((n, r) => n + r.count, 0)).toBe(s.rejected);
    }
  });
});
