import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMappings } from '../../src/mapping/load.js';
import { compileRuleToSql, rulePath, type CompiledRuleSql } from '../../src/mapping/sql/compile-rule.js';
import { isRefusal } from '../../src/mapping/sql/refusal.js';
import { stagedRecord } from '../../src/mapping/sql/stage-record.js';
import type { CompiledRule } from '../../src/mapping/types.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { postgresAvailable } from '../support/postgres.js';
import { openStaging, type Staging } from './rule-sql-staging.js';

const pgUp = await postgresAvailable();
const RECORDS = { schema: 'work', name: 'select' };

function ruleOf(yaml: string): CompiledRule {
  const rule = parseMappings([{ file: 'mappings/t.yaml', text: `table: t\nrules:\n${yaml}` }]).rules[0];
  if (!rule) throw new Error('no rule');
  return rule;
}

function compiled(rule: CompiledRule): CompiledRuleSql {
  const out = compileRuleToSql(rule, { records: RECORDS });
  if (isRefusal(out)) throw new Error(out.reason);
  return out;
}

const SMALL = ruleOf(`  - name: small
    source: "O'Brien \\\\ shop"
    type: 'csv_%.*'
    columns:
      "select": data.id
      "constant": { value: "O'Brien" }
`);

describe('a mapping rule as SQL', () => {
  it('writes the exact SELECT of a small rule: quoted names, escaped LIKE, one LATERAL per step', () => {
    const out = compiled(SMALL);
    expect(out.columns).toEqual([
      { column: 'select', alias: 'c1' },
      { column: 'constant', alias: 'c2' },
    ]);
    expect(out.sql).toBe(`SELECT r."source",
  r."id",
  ("s2"."w" OR "s5"."w" OR coalesce(CASE WHEN "s3"."v" IS NULL THEN false ELSE coalesce(jsonb_typeof("s3"."v") IN ('object', 'array'), false) OR (jsonb_typeof("s3"."v") = 'number' AND NOT (CASE WHEN jsonb_typeof("s3"."v") = 'number' THEN abs(("s3"."v")::numeric) < 1e21 AND (abs(("s3"."v")::numeric) >= 0.000001 OR ("s3"."v")::numeric = 0) ELSE false END)) END, true) OR coalesce(CASE WHEN "s6"."v" IS NULL THEN false ELSE coalesce(jsonb_typeof("s6"."v") IN ('object', 'array'), false) OR (jsonb_typeof("s6"."v") = 'number' AND NOT (CASE WHEN jsonb_typeof("s6"."v") = 'number' THEN abs(("s6"."v")::numeric) < 1e21 AND (abs(("s6"."v")::numeric) >= 0.000001 OR ("s6"."v")::numeric = 0) ELSE false END)) END, true)) AS "worker",
  CASE WHEN jsonb_typeof("s3"."v") IN ('string', 'boolean', 'number') THEN ("s3"."v" #>> '{}') END AS "c1",
  CASE WHEN jsonb_typeof("s6"."v") IN ('string', 'boolean', 'number') THEN ("s6"."v" #>> '{}') END AS "c2"
FROM "work"."select" AS r
CROSS JOIN LATERAL (SELECT NULLIF(NULLIF(r."data" -> 'id', 'null'::jsonb), '""'::jsonb) AS "v", false AS "w" OFFSET 0) AS "s1"
CROSS JOIN LATERAL (SELECT "s1"."v" AS "v", coalesce(coalesce(jsonb_typeof("s1"."v") IN ('object', 'array'), false), true) AS "w" OFFSET 0) AS "s2"
CROSS JOIN LATERAL (SELECT NULLIF("s2"."v", '""'::jsonb) AS "v", false AS "w" OFFSET 0) AS "s3"
CROSS JOIN LATERAL (SELECT '"O''Brien"'::jsonb AS "v", false AS "w" OFFSET 0) AS "s4"
CROSS JOIN LATERAL (SELECT "s4"."v" AS "v", coalesce(coalesce(jsonb_typeof("s4"."v") IN ('object', 'array'), false), true) AS "w" OFFSET 0) AS "s5"
CROSS JOIN LATERAL (SELECT "s5"."v" AS "v", false AS "w" OFFSET 0) AS "s6"
WHERE r."source" IN ('O''Brien \\ shop')
  AND (r."type" LIKE 'csv\\_\\%.%')`);
  });

  it('says why a rule stays in the worker, naming the part', () => {
    const reason = (yaml: string) => rulePath(ruleOf(yaml));
    expect(reason(`  - name: r\n    extract: [{ from: data.text, pattern: '(?<x>a+)' }]\n    columns: { a: $x }\n`)).toBe(
      'worker: extract: regex patterns must stay linear-time (RE2), which PostgreSQL regular expressions do not promise',
    );
    expect(reason(`  - name: r\n    when: { data.s: { matches: '^a' } }\n    columns: { a: data.a }\n`)).toMatch(/^worker: when: data\.s: matches: regex patterns must stay linear-time \(RE2\)/);
    expect(reason(`  - name: r\n    columns: { a: { from: data.a, transform: [{ replace: { pattern: 'a', with: b } }] } }\n`)).toMatch(/^worker: a: replace: its pattern must stay linear-time \(RE2\)/);
    expect(reason(`  - name: r\n    columns: { a: { from: data.a, transform: [phone_digits] } }\n`)).toBe('worker: a: transform phone_digits has no SQL form');
    expect(reason(`  - name: r\n    columns: { a: { from: data.a, transform: [{ timestamp: { tz: UTC, format: 'dd.MM.yyyy' } }] } }\n`)).toBe(
      'worker: a: timestamp: a format (luxon tokens, locales) has no SQL form',
    );
    expect(reason(`  - name: r\n    columns: { a: { from: data.a, transform: [{ decimal: { comma: true } }] } }\n`)).toBe('worker: a: decimal: thousands separators and decimal commas have no SQL form');
    expect(reason(`  - name: r\n    each: { from: data.items }\n    columns: { a: $item }\n`)).toBe('worker: each: one candidate per list element has no SQL form yet');
    expect(reason(`  - name: r\n    columns: { a: { json: { b: data.b } } }\n`)).toMatch(/^worker: a: json objects are built in the worker/);
    expect(reason(`  - name: r\n    columns: { a: data.items.length }\n`)).toBe('worker: path data.items.length: the segment "length" may name an array\'s own property');
    expect(reason(`  - name: r\n    columns: { a: { value: "nul\\0byte" } }\n`)).toMatch(/^worker: the constant "nul\\u0000byte" has a NUL byte/);
    expect(reason(`  - name: r\n    when: { data.s: paid, any: [{ data.n: { gt: 5 } }, { not: { data.x: { exists: true } } }] }\n    columns: { a: { from: [data.a, data.b], transform: [trim, { default: x }] } }\n`)).toBe('sql');
  });
});

describe.skipIf(!pgUp)('a compiled rule on PostgreSQL, with hostile values', () => {
  let staging: Staging;

  beforeAll(async () => {
    staging = await openStaging('rulesql_exact', RECORDS);
  });
  afterAll(async () => {
    await staging?.close();
  });

  it('yields the column texts, NULL for absent, and the worker flag where JavaScript decides', async () => {
    const record = (id: string, data: Record<string, unknown>, source = "O'Brien \\ shop", type = 'csv_%.row'): SourceRecord => ({
      source,
      type,
      id,
      ref: `file://x#${id}`,
      observedAt: '2026-04-25T12:00:00Z',
      data,
    });
    const records = [
      record('quote', { id: "O'Brien \\ \"x\" 🚣" }),
      record('number', { id: 4500 }),
      record('exponent', { id: 1e21 }),
      record('object', { id: { a: 1 } }),
      record('empty', { id: '' }),
      record('missing', {}),
      record('other source', { id: 'x' }, 'shop'),
      record('type needs the literal underscore', { id: 'x' }, "O'Brien \\ shop", 'csvx%.row'),
    ];
    expect(await staging.stage(records)).toBe(records.length);
    const rows = (await staging.client.query(`${compiled(SMALL).sql} ORDER BY r."id"`)).rows;
    expect(rows).toEqual([
      { source: "O'Brien \\ shop", id: 'empty', worker: false, c1: null, c2: "O'Brien" },
      { source: "O'Brien \\ shop", id: 'exponent', worker: true, c1: '1000000000000000000000', c2: "O'Brien" },
      { source: "O'Brien \\ shop", id: 'missing', worker: false, c1: null, c2: "O'Brien" },
      { source: "O'Brien \\ shop", id: 'number', worker: false, c1: '4500', c2: "O'Brien" },
      { source: "O'Brien \\ shop", id: 'object', worker: true, c1: null, c2: "O'Brien" },
      { source: "O'Brien \\ shop", id: 'quote', worker: false, c1: "O'Brien \\ \"x\" 🚣", c2: "O'Brien" },
    ]);
  });

  it('leaves to the worker the records jsonb cannot hold', () => {
    const base = { source: 's', type: 't', id: 'i', ref: 'r', observedAt: '2026-04-25T12:00:00Z' };
    expect(stagedRecord({ ...base, data: { a: 'nul\u0000' } })).toBeUndefined();
    expect(stagedRecord({ ...base, data: { a: 'lone \ud800' } })).toBeUndefined();
    expect(stagedRecord({ ...base, data: { a: 'pair 🚣' } })?.[8]).toBe('{"a":"pair 🚣"}');
  });
});
