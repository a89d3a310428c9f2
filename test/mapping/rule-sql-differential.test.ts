import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import { compileRuleToSql } from '../../src/mapping/sql/compile-rule.js';
import { isRefusal } from '../../src/mapping/sql/refusal.js';
import { stagedRecord } from '../../src/mapping/sql/stage-record.js';
import type { CompiledRule, MappingSet } from '../../src/mapping/types.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { CLINIC_MAPPINGS } from '../incidents/clinic/generate.js';
import { postgresAvailable } from '../support/postgres.js';
import { corpusFor } from './rule-sql-corpus.js';
import { openStaging, type Staging } from './rule-sql-staging.js';

/**
 * The compiled SQL of every rule that compiles, in the demo's and the test incidents'
 * mappings, run on real PostgreSQL over a seeded hostile corpus and compared with the
 * JavaScript evaluator record by record, column text by column text.
 */

const pgUp = await postgresAvailable();
const RECORDS_PER_RULE = 600;
/** Each column also alone (same rule otherwise): a record then reaches SQL unless that column defers it. */
const RECORDS_PER_COLUMN = 250;
const RECORDS = { schema: 'salvage work', name: 'records "staged"' };

function demoMappings(): MappingSet {
  const dir = path.resolve('mappings');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: `mappings/${f}`, text: readFileSync(path.join(dir, f), 'utf8') }));
  return parseMappings(files);
}

function clinicMappings(): MappingSet {
  return parseMappings(Object.entries(CLINIC_MAPPINGS).map(([file, text]) => ({ file, text })));
}

/** Every transform and operator that has an SQL form, beyond what the demo and the incidents use. */
const EVERY_FORM = `table: things
rules:
  - name: texts
    source: [shop, "O'Brien's \\ shop"]
    type: [csv.row, 'stripe.*']
    when:
      data.kind: { in: [a, b, 42, true] }
      not: { data.flag: { equals: false } }
      any: [{ data.rank: { gte: 2, lt: 100 } }, { data.rank: { exists: false } }, { data.code: { not_in: [x, y] } }]
    columns:
      id: { from: data.id, transform: [string, trim, lower, { add_prefix: "O'" }, { add_suffix: '\\' }] }
      name: { from: [data.name, data.alt], transform: [collapse_whitespace, upper, { nullif: ['N/A', '-'] }, { default: unknown }] }
      yes: { from: data.flag, transform: [boolean] }
      state: { from: data.state, transform: [nullif_empty, { map: { values: { Paid: succeeded, '42': 1.5, 'true': 'yes' }, otherwise: keep, ignoreCase: true } }] }
      strict: { from: data.state, transform: [{ map: { values: { Paid: succeeded, failed: null } } }] }
      constant: { value: "O'Brien \\ 🚣" }
      empty: { value: '' }
      mail: { from: data.mail, transform: [email, required] }
  - name: numbers
    source: shop
    when: { data.amount: { exists: true } }
    columns:
      int: { from: data.amount, transform: [int] }
      amount: { from: data.amount, transform: [decimal] }
      rounded: { from: data.amount, transform: [{ decimal: { scale: 1 } }] }
      cents: { from: data.amount, transform: [amount_to_cents] }
      yen: { from: data.cents, transform: [{ cents_to_amount: { digits: 0 } }] }
      dinar: { from: data.cents, transform: [{ cents_to_amount: { digits: 3 } }] }
      raw: data.cents
  - name: times
    source: shop
    columns:
      at: { from: data.at, transform: [timestamp] }
      oslo: { from: data.at, transform: [{ timestamp: { tz: Europe/Oslo } }] }
      new_york: { from: data.at, transform: [{ timestamp: { tz: America/New_York, ambiguous: later } }] }
      kathmandu: { from: data.at, transform: [{ timestamp: { tz: Asia/Kathmandu } }] }
      unix: { from: data.unix, transform: [{ timestamp: { unix: s } }] }
      unix_ms: { from: data.unix, transform: [{ timestamp: { unix: ms } }] }
      created: { from: createdAt, transform: [timestamp] }
      deleted: deleted
      ref: ref
`;

const SETS: Array<[string, MappingSet]> = [
  ['demo', demoMappings()],
  ['clinic', clinicMappings()],
  ['every-form', parseMappings([{ file: 'mappings/things.yaml', text: EVERY_FORM }])],
];

/** What the evaluator says for one rule and one record: nothing, a failure, or the column texts. */
type Outcome = { kind: 'none' } | { kind: 'failure' } | { kind: 'candidate'; texts: Record<string, string> };

function jsOutcome(rule: CompiledRule, record: SourceRecord): Outcome {
  const result = new RuleEvaluator({ tables: [], rules: [rule] }).evaluate(record);
  if (result.failures.length) return { kind: 'failure' };
  const candidate = result.candidates[0];
  if (!candidate) return { kind: 'none' };
  const texts: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [column, value] of Object.entries(candidate.values)) texts[column] = String(value);
  for (const [column, lookup] of Object.entries(candidate.lookups)) texts[column] = lookup.key;
  return { kind: 'candidate', texts };
}

describe.skipIf(!pgUp)('compiled rules against the evaluator, on PostgreSQL', () => {
  let staging: Staging;

  beforeAll(async () => {
    staging = await openStaging('rulesql', RECORDS);
  });
  afterAll(async () => {
    await staging?.close();
  });

  it('gives the evaluator\'s column texts for every record a compiled rule decides', async () => {
    const summary: string[] = [];
    let totalRecords = 0;
    let compared = 0;
    let deferred = 0;
    let compiledRules = 0;
    let seed = 1;
    const unexercised: string[] = [];
    let sqlMs = 0;
    for (const [setName, set] of SETS) {
      const oneColumn = set.rules.flatMap((r) => (r.columns.length > 1 ? r.columns.map((c) => ({ ...r, id: `${r.id}:${c.column}`, columns: [c] })) : []));
      for (const rule of [...set.rules, ...oneColumn]) {
        const compiled = compileRuleToSql(rule, { records: RECORDS });
        if (isRefusal(compiled)) {
          summary.push(`${setName} ${rule.id}: worker: ${compiled.reason}`);
          continue;
        }
        compiledRules++;
        const records = corpusFor(rule, rule.id.includes(':') ? RECORDS_PER_COLUMN : RECORDS_PER_RULE, seed++, totalRecords);
        totalRecords += records.length;
        await staging.stage(records);
        const started = performance.now();
        const rows = (await staging.client.query<Record<string, string | boolean | null>>(compiled.sql)).rows;
        const byId = new Map(rows.map((row) => [`${String(row['source'])}\u0000${String(row['id'])}`, row]));
        expect(byId.size).toBe(rows.length); // one row per record at most
        sqlMs += performance.now() - started;
        let ruleSql = 0;
        let ruleWorker = 0;
        for (const record of records) {
          const js = jsOutcome(rule, record);
          const row = byId.get(`${record.source}\u0000${record.id}`);
          const where = `${rule.id} on ${JSON.stringify(record)}`;
          if (!stagedRecord(record)) continue; // the worker maps what jsonb cannot hold
          if (!row) {
            expect(js.kind, `SQL dropped a record the evaluator uses: ${where}`).toBe('none');
            continue;
          }
          if (row['worker'] === true) {
            ruleWorker++;
            continue;
          }
          ruleSql++;
          expect(js.kind, `SQL decided a record the evaluator fails or skips: ${where}`).toBe('candidate');
          if (js.kind !== 'candidate') continue;
          const sqlTexts: Record<string, string> = Object.create(null) as Record<string, string>;
          for (const { column, alias } of compiled.columns) {
            const text = row[alias];
            if (text !== null && text !== undefined) sqlTexts[column] = String(text);
          }
          expect(sqlTexts, where).toEqual(js.texts);
        }
        compared += ruleSql;
        deferred += ruleWorker;
        summary.push(`${setName} ${rule.id}: sql: ${ruleSql} decided in SQL, ${ruleWorker} deferred to the worker, ${records.length - rows.length} not for this rule`);
        // A whole rule of many hostile columns rarely has all of them clean; each column alone must reach SQL.
        if (ruleSql < 5 && !(setName === 'every-form' && !rule.id.includes(':'))) unexercised.push(rule.id);
      }
    }
    console.log(`${summary.join('\n')}\nrules compiled: ${compiledRules}; records: ${totalRecords}; decided in SQL and equal: ${compared}; deferred: ${deferred}; SQL time ${Math.round(sqlMs)} ms`);
    expect(unexercised, 'rules whose SQL path the corpus hardly reached').toEqual([]);
  }, 120_000);
});
