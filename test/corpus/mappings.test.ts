/**
 * Corpus, records and mappings: one booking told three ways by three sources, rules that
 * match nothing, a regular expression that backtracks catastrophically, mapping files
 * full of mistakes, and names that collide with Object.prototype.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import { writePatch } from '../../src/patch/patch.js';
import type { Change, Changeset, Evidence } from '../../src/changeset/changeset.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { renderChangeset } from '../../src/report/render.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { caseDir, OBSERVED_WINDOW, pullAndReconcile, query, salvage, writeFiles, type PipelineRun } from './support.js';

const pgUp = await postgresAvailable();

const BOOKINGS_SQL = `CREATE TABLE bookings (
  id bigserial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  item text,
  status text,
  total numeric(10,2),
  starts_at timestamptz,
  note text
);
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);`;

const CONFIG = `job: ./job
backup: { url: env:CORPUS_BACKUP_URL }
${OBSERVED_WINDOW}
mappings: ./mappings
sources:
  ledger:   { kind: csv, files: [exports/ledger.csv] }
  crm:      { kind: csv, files: [exports/crm.csv] }
  calendar: { kind: ics, files: [exports/calendar.ics] }
`;

const BOOKINGS_MAPPING = `table: bookings
match: [[reference]]
merge:
  total: { prefer: [ledger, crm, calendar] }
  item: { prefer: [calendar, crm, ledger] }
  note: latest
rules:
  - name: ledger-row
    source: ledger
    type: csv.row
    when: { data.type: booking }
    columns:
      reference: data.ref
      item: data.item
      status: data.status
      total: { from: data.total, transform: [decimal] }
      starts_at: { from: data.starts, transform: [timestamp] }
      note: data.note
  - name: crm-row
    source: crm
    type: csv.row
    when: { data.Kind: Booking }
    columns:
      reference: data.Ref
      item: data.Item
      status: { from: data.Status, transform: [lower] }
      total: { from: data.Total, transform: [{ decimal: { comma: true } }] }
      starts_at: { from: data.Start, transform: [timestamp] }
      note: data.Note
  - name: calendar-event
    source: calendar
    type: calendar.event
    extract:
      - from: data.summary
        pattern: 'Booking (?<ref>[A-Z0-9]{6})'
      - from: data.description
        pattern: '^Item: (?<item>.+)$'
        flags: m
      - from: data.description
        pattern: '^Total: (?<total>[0-9.]+) EUR'
        flags: m
    columns:
      reference: $ref
      item: { from: $item, transform: [trim] }
      status: { from: data.status, transform: [{ map: { values: { CONFIRMED: confirmed, CANCELLED: cancelled } } }] }
      total: { from: $total, transform: [decimal] }
      starts_at: { from: data.start, transform: [timestamp] }
  # A typo in the condition: this rule matches nothing, and the records it was meant for stay unmapped.
  - name: crm-memo
    source: crm
    type: csv.row
    when: { data.Kind: Bokking }
    columns:
      reference: data.Ref
`;

const LEDGER = [
  'type,ref,item,status,total,starts,note',
  'booking,K7QX2P,Single kayak,confirmed,90.00,2026-03-02T14:02:00Z,',
  'booking,AB12CD,Canoe,confirmed,120.00,2026-03-05T09:00:00Z,',
  'booking,ZZ99ZZ,SUP,confirmed,30.00,2026-03-07T09:00:00Z,from the ledger',
  'memo,,,,,,cash drawer counted',
  '',
].join('\n');
const CRM = [
  'Kind;Ref;Item;Status;Total;Start;Note',
  'Booking;K7QX2P;Kayak (single);CANCELLED;90;2026-03-02 15:02:00+01;',
  'Booking;AB12CD;Canoe;Confirmed;120,00;2026-03-05 10:00:00+01;',
  'Booking;ZZ99ZZ;SUP;Confirmed;30;2026-03-07 10:00:00+01;from the crm',
  'Memo;;;;;;call back',
  'Memo;;;;;;left a voicemail',
  '',
].join('\n');
const ICS = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//corpus//EN',
  'BEGIN:VEVENT', 'UID:booking-k7@x', 'CREATED:20260301T120000Z', 'SUMMARY:Booking K7QX2P', 'DESCRIPTION:Item: Double kayak\\nTotal: 95.00 EUR',
  'STATUS:CONFIRMED', 'DTSTART;TZID=Europe/Oslo:20260302T150200', 'DTEND;TZID=Europe/Oslo:20260302T170200', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:booking-ab@x', 'CREATED:20260301T120000Z', 'SUMMARY:Booking AB12CD', 'DESCRIPTION:Item: Canoe\\nTotal: 120 EUR',
  'STATUS:CONFIRMED', 'DTSTART;TZID=Europe/Oslo:20260305T100000', 'DTEND;TZID=Europe/Oslo:20260305T120000', 'END:VEVENT',
  'END:VCALENDAR', '',
].join('\r\n');

const ev = (source: string, record: string, rule: string): Evidence => ({
  source,
  record,
  ref: source === 'calendar' ? `file://exports/calendar.ics#uid=${record}` : `file://${record}`,
  rule: `bookings.yaml#${rule}`,
});
const LEDGER_K7 = ev('ledger', 'exports/ledger.csv#L2', 'ledger-row');
const CRM_K7 = ev('crm', 'exports/crm.csv#L2', 'crm-row');
const CAL_K7 = ev('calendar', 'booking-k7@x', 'calendar-event');

describe.runIf(pgUp)('corpus: one booking, three sources, three stories', () => {
  let backup: TestDatabase;
  let dir: string;
  let run: PipelineRun;
  const byReference = (reference: string): Change | undefined => run.changeset.changes.find((c) => c.values.reference === reference);

  beforeAll(async () => {
    backup = await createTestDatabase('corpus_map');
    await query(backup.url, BOOKINGS_SQL);
    dir = await caseDir('mappings');
    await writeFiles(dir, { 'salvage.yaml': CONFIG, 'mappings/bookings.yaml': BOOKINGS_MAPPING, 'exports/ledger.csv': LEDGER, 'exports/crm.csv': CRM, 'exports/calendar.ics': ICS });
    run = await pullAndReconcile(dir, { CORPUS_BACKUP_URL: backup.url });
  }, 60_000);
  afterAll(async () => {
    await backup?.drop();
  });

  it('counts: one insert where all agree, two conflicts awaiting a decision', () => {
    expect(run.changeset.tables.map((t) => [t.table, t.counts])).toEqual([['public.bookings', { insert: 1, update: 0, unchanged: 0, conflict: 2, unrecoverable: 0 }]]);
  });

  it('the same booking from three sources: equal values agree (90.00 = 90, 14:02Z = 15:02+01), policies choose and keep the losers, an unsettled column is a conflict with every side cited', () => {
    const k7 = byReference('K7QX2P');
    expect(k7?.kind).toBe('conflict');
    // Agreed by value, though written three different ways.
    expect(k7?.values.starts_at).toBe('2026-03-02 14:02:00+00');
    expect(k7?.evidence.starts_at).toEqual([LEDGER_K7, CRM_K7, CAL_K7]);
    // Settled by a policy; the disagreement is kept for the reviewer.
    expect(k7?.disagreements?.total).toEqual({
      chosen: '90.00',
      by: 'prefer: ledger > crm > calendar',
      alternatives: [
        { value: '90.00', evidence: [LEDGER_K7, CRM_K7] },
        { value: '95.00', evidence: [CAL_K7] },
      ],
    });
    expect(k7?.disagreements?.item).toMatchObject({ chosen: 'Double kayak', by: 'prefer: calendar > crm > ledger' });
    expect(k7?.disagreements?.item?.alternatives).toHaveLength(3);
    // No policy for status: a conflict, each side with its records.
    expect(k7?.conflicts?.status).toEqual([
      { value: 'confirmed', evidence: [LEDGER_K7, CAL_K7] },
      { value: 'cancelled', evidence: [CRM_K7] },
    ]);
  });

  it('three sources that agree make one insert, every value citing all of them', () => {
    const ab = run.changeset.changes.find((c) => c.kind === 'insert');
    expect(ab?.values).toMatchObject({ reference: 'AB12CD', item: 'Canoe', status: 'confirmed', total: '120.00', starts_at: '2026-03-05 09:00:00+00' });
    expect(ab?.evidence.reference?.map((e) => e.source)).toEqual(['ledger', 'crm', 'calendar']);
    expect(ab?.evidence.total?.map((e) => e.source)).toEqual(['ledger', 'crm', 'calendar']);
  });

  it('a `latest` policy that cannot break a tie (same write time) is a conflict, not a coin toss', () => {
    const zz = byReference('ZZ99ZZ');
    expect(zz?.kind).toBe('conflict');
    expect(zz?.conflicts?.note?.map((a) => a.value)).toEqual(['from the ledger', 'from the crm']);
  });

  it('conflicts are withheld from the patch and counted there', async () => {
    const { dir: patchDir, manifest } = await writePatch(run.config.jobDir, path.join(run.config.jobDir, 'changeset.json'));
    expect(manifest.withheld).toMatchObject({ conflict: 2, unrecoverable: 0 });
    expect(manifest.counts['public.bookings']).toEqual({ insert: 1, update: 0 });
    const sql = await readFile(path.join(patchDir, 'patch.sql'), 'utf8');
    expect(sql).toContain("'AB12CD'");
    expect(sql).not.toContain('K7QX2P');
  });

  it('a rule that matches nothing leaves its records counted as unmapped, by source and type, with samples', () => {
    expect(run.changeset.unmapped).toEqual([
      { source: 'ledger', type: 'csv.row', count: 1, samples: ['file://exports/ledger.csv#L5'], gists: ['type: memo · note: cash drawer counted'] },
      {
        source: 'crm',
        type: 'csv.row',
        count: 2,
        samples: ['file://exports/crm.csv#L5', 'file://exports/crm.csv#L6'],
        gists: ['Kind: Memo · Note: call back', 'Kind: Memo · Note: left a voicemail'],
      },
    ]);
    expect(renderChangeset(run.changeset, 'text')).toContain(
      'unmapped: 2 csv.row records of crm matched no rule, e.g.\n  file://exports/crm.csv#L5  Kind: Memo · Note: call back\n  file://exports/crm.csv#L6  Kind: Memo · Note: left a voicemail\n',
    );
  });
});

// ---------------------------------------------------------------------------
// Catastrophic backtracking

describe.runIf(pgUp)('corpus: a regular expression that backtracks catastrophically', () => {
  let backup: TestDatabase;
  beforeAll(async () => {
    backup = await createTestDatabase('corpus_redos');
    await query(backup.url, BOOKINGS_SQL);
  });
  afterAll(async () => {
    await backup?.drop();
  });

  /** `(a+)+$` against 30 a's and a "!": about 2^30 steps for a backtracking engine (minutes in V8). */
  const EVIL = `${'a'.repeat(30)}!`;
  const placements: Record<string, string> = {
    'when: matches': `    when: { data.note: { matches: '(a+)+$' } }\n    columns:\n      reference: data.ref\n`,
    'extract: pattern': `    extract:\n      - from: data.note\n        pattern: '(?<ref>(a+)+)$'\n    columns:\n      reference: $ref\n`,
    'replace transform': `    columns:\n      reference: data.ref\n      note: { from: data.note, transform: [{ replace: { pattern: '(a+)+$', with: 'x' } }] }\n`,
  };

  // Found a real bug: rules ran JavaScript's backtracking RegExp, so one hostile value in
  // one export hung `salvage reconcile` for minutes (2^n in the value's length). Patterns
  // now run on RE2 (src/mapping/pattern.ts), linear in the input.
  it('finishes within seconds for every place a mapping can hold a pattern', async () => {
    const outcomes = await Promise.all(
      Object.entries(placements).map(async ([label, rule]) => {
        const dir = await caseDir('redos');
        await writeFiles(dir, {
          'salvage.yaml': `job: ./job\nbackup: { url: env:CORPUS_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n  ledger: { kind: csv, files: [exports/ledger.csv] }\n`,
          'mappings/bookings.yaml': `table: bookings\nrules:\n  - name: evil\n    source: ledger\n${rule}`,
          'exports/ledger.csv': `ref,note\nK7QX2P,${EVIL}\n`,
        });
        const env = { CORPUS_BACKUP_URL: backup.url };
        await salvage(['pull'], dir, env);
        const started = performance.now();
        // Generous limits for a loaded machine: a backtracking engine needs minutes here, RE2 about a second.
        const result = await salvage(['reconcile'], dir, env, 30_000);
        const seconds = (performance.now() - started) / 1000;
        const changeset = result.code === 0 ? (JSON.parse(await readFile(path.join(dir, 'job', 'changeset.json'), 'utf8')) as Changeset) : undefined;
        return { label, code: result.code, seconds, changeset };
      }),
    );
    for (const outcome of outcomes) {
      expect(outcome, outcome.label).toMatchObject({ code: 0 });
      expect(outcome.seconds, outcome.label).toBeLessThan(15);
    }
    // And the patterns still mean what they say: `(a+)+$` cannot match before the "!".
    const by = Object.fromEntries(outcomes.map((o) => [o.label, o.changeset]));
    for (const label of ['when: matches', 'extract: pattern']) {
      expect(by[label]?.unmapped, label).toEqual([
        { source: 'ledger', type: 'csv.row', count: 1, samples: ['file://exports/ledger.csv#L2'], gists: [`ref: K7QX2P · note: ${EVIL}`] },
      ]);
    }
    const replaced = by['replace transform']?.changes ?? [];
    expect(replaced.map((c) => [c.kind, c.values.reference, c.values.note])).toEqual([['insert', 'K7QX2P', EVIL]]);
  }, 60_000);
});

// ---------------------------------------------------------------------------
// Mapping files with many mistakes

/** Ten mistakes the compiler finds (bad names, paths, patterns, columns), one per line. */
const TEN_COMPILE_MISTAKES = `table: bookings
rules:
  - name: r1
    source: ledger
    when:
      data.note: { matches: '(unclosed' }
      data..status: confirmed
    extract:
      - from: data.note
        pattern: 'no capture'
    columns:
      reference: { from: $ref }
      item: { from: data.item, transform: [lowr] }
      status: { from: data.status, value: confirmed }
      total: { from: 'data[', transform: [decimal] }
      note: { transform: [trim] }
      starts_at: { from: data.start, transform: [{}] }
      customer_id: { value: 1, lookup: { table: customers, by: email } }
`;

/** Ten mistakes of every kind: YAML shape (unknown keys), compilation, and the database schema. */
const TEN_MIXED_MISTAKES = `table: bookings
primary: [id]
rules:
  - name: r1
    source: paymnts
    filter: { data.kind: booking }
    when:
      data..status: confirmed
    columns:
      reference: { from: $ref }
      item: { from: data.item, transform: [lowr] }
      status: { from: data.status, value: confirmed }
      totl: { from: data.total, transform: [decimal] }
      customer_id: { from: data.email, lookup: { table: customerz, by: email } }
      note: { from: data.note, transform: [{}] }
`;

describe.runIf(pgUp)('corpus: a mapping file with ten mistakes', () => {
  let backup: TestDatabase;
  beforeAll(async () => {
    backup = await createTestDatabase('corpus_mistakes');
    await query(backup.url, BOOKINGS_SQL);
  });
  afterAll(async () => {
    await backup?.drop();
  });

  async function reconcileWith(mapping: string): Promise<{ code: number; stderr: string }> {
    const dir = await caseDir('mistakes');
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job\nbackup: { url: env:CORPUS_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n  ledger: { kind: csv, files: [exports/ledger.csv] }\n`,
      'mappings/bookings.yaml': mapping,
      'exports/ledger.csv': 'ref,note\nK7QX2P,x\n',
    });
    await salvage(['pull'], dir, { CORPUS_BACKUP_URL: backup.url });
    return salvage(['reconcile'], dir, { CORPUS_BACKUP_URL: backup.url });
  }

  it('ten compile mistakes: all ten reported at once, in order, each with file:line:col (exit 2)', async () => {
    const { code, stderr } = await reconcileWith(TEN_COMPILE_MISTAKES);
    expect(code).toBe(2);
    const problems = stderr.split('\n').filter((l) => /^ {2}\S+bookings\.yaml:\d+:\d+: /.test(l)).map((l) => l.replace(/^ {2}\S*bookings\.yaml:/, ''));
    // The eleventh: the fixture's table has no customer_id column, which the schema check now also says.
    expect(stderr).toContain('invalid mappings: 11 problems');
    expect(problems).toEqual([
      expect.stringMatching(/^6:\d+: matches: invalid regular expression: missing closing \)/),
      expect.stringMatching(/^7:\d+: cannot read path "data\.\.status"/),
      expect.stringMatching(/^10:\d+: the pattern has no named capture/),
      expect.stringMatching(/^12:\d+: \$ref is not captured by any extract pattern of this rule/),
      expect.stringMatching(/^13:\d+: unknown transform "lowr" \(did you mean "lower"\?\)/),
      expect.stringMatching(/^14:\d+: give either "from" or "value", not both/),
      expect.stringMatching(/^15:\d+: cannot read path "data\["/),
      expect.stringMatching(/^16:\d+: give "from" \(a field path\) or "value" \(a constant\)/),
      expect.stringMatching(/^17:\d+: a transform step cannot be an empty object/),
      expect.stringMatching(/^18:\d+: a lookup needs "from"/),
      expect.stringMatching(/^18:\d+: rule r1: table public\.bookings has no column "customer_id"/),
    ]);
  });

  // Fixed bug: mistakes were reported in rounds. One unknown key (a zod schema error) stops the file
  // before compilation (src/mapping/load.ts: `if (!parsed.data) continue`), and schema checks
  // (unknown column, source, lookup table) only run once the files compile: fixing ten
  // mistakes takes three runs instead of one.
  it('ten mistakes of every kind (unknown keys, compile errors, schema errors): all ten at once', async () => {
    const { code, stderr } = await reconcileWith(TEN_MIXED_MISTAKES);
    expect(code).toBe(2);
    for (const [line, text] of [
      [2, 'unknown key "primary"'],
      [5, 'no source named "paymnts"'],
      [6, 'unknown key "filter"'],
      [8, 'cannot read path "data..status"'],
      [10, '$ref is not captured'],
      [11, 'unknown transform "lowr"'],
      [12, 'give either "from" or "value", not both'],
      [13, 'has no column "totl"'],
      [14, 'no table "customerz"'],
      [15, 'a transform step cannot be an empty object'],
    ] as const) {
      expect(stderr, `line ${line}`).toMatch(new RegExp(`bookings\\.yaml:${line}:\\d+: .*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  });
});

// ---------------------------------------------------------------------------
// Names that are also Object.prototype's

const record = (data: Record<string, unknown>): SourceRecord => ({ source: 'ledger', type: 'csv.row', id: 'a.csv#L2', ref: 'file://a.csv#L2', observedAt: '2026-04-26T08:00:00Z', data });
const evaluate = (text: string, data: Record<string, unknown>) => new RuleEvaluator(parseMappings([{ file: 't.yaml', text }])).evaluate(record(data));

describe('corpus: names that Object.prototype also has', () => {
  it('a CSV column called constructor maps like any other', () => {
    const result = evaluate('table: t\nrules:\n  - name: r\n    columns:\n      constructor: data.constructor\n      toString: data.toString\n', { constructor: 'Bob the builder', toString: 'x' });
    expect(result.candidates.map((c) => ({ ...c.values }))).toEqual([{ constructor: 'Bob the builder', toString: 'x' }]);
  });

  // Fixed bug: captures live in a plain object (src/mapping/evaluate.ts applyRule), so a capture
  // named like an Object.prototype member is never set (`captures[name] === undefined` is
  // false) and reads back as the inherited function: the column is silently left out.
  it('a named capture called constructor (or toString) carries its value', () => {
    const result = evaluate(
      "table: t\nrules:\n  - name: r\n    extract:\n      - from: data.x\n        pattern: '^(?<constructor>\\d+)-(?<toString>\\w+)$'\n    columns:\n      constructor: $constructor\n      label: $toString\n",
      { x: '42-abc' },
    );
    expect(result.candidates.map((c) => ({ ...c.values }))).toEqual([{ constructor: '42', label: 'abc' }]);
  });

  // Fixed bug: readPath (src/mapping/path.ts) follows inherited properties: a record without the
  // field still "has" data.constructor (a function: `exists: true` holds) and
  // data.__proto__ (read as "{}").
  it('a field the record does not have is absent, whatever its name', () => {
    const result = evaluate(
      'table: t\nrules:\n  - name: exists\n    when: { data.constructor: { exists: true } }\n    columns: { a: { value: wrongly matched } }\n  - name: proto\n    columns:\n      b: data.__proto__\n      c: data.hasOwnProperty\n',
      { other: 'x' },
    );
    expect(result.candidates.map((c) => [c.rule, { ...c.values }])).toEqual([['t.yaml#proto', {}]]);
  });

  // Fixed bug: zod's z.record drops a `__proto__` key (src/mapping/schema.ts `columns`), so a
  // mapping for a column named __proto__ vanishes without a word; it should be kept or refused.
  it('a column called __proto__ is mapped, or refused with its line; never dropped in silence', () => {
    let rules: ReturnType<typeof parseMappings>['rules'] = [];
    try {
      rules = parseMappings([{ file: 't.yaml', text: 'table: t\nrules:\n  - name: r\n    columns:\n      __proto__: data.x\n      other: data.y\n' }]).rules;
    } catch (error) {
      expect((error as Error).message).toMatch(/t\.yaml:5:\d+: .*__proto__/);
      return;
    }
    expect(rules[0]?.columns.map((c) => c.column)).toEqual(['__proto__', 'other']);
  });
});
