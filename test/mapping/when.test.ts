import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import type { SourceRecord } from '../../src/records/envelope.js';

function record(data: Record<string, unknown>): SourceRecord {
  return { source: 'stripe', type: 'stripe.charge', id: 'ch_1', ref: 'ch_1', observedAt: '2026-05-01T00:00:00Z', data };
}

function mapping(when: string): string {
  return `table: payments\nrules:\n  - name: charge\n    when:\n${when}\n    columns:\n      id: data.id\n`;
}

/** Which of the records the rule accepts, by data.id. */
function accepted(when: string, records: Array<Record<string, unknown>>): unknown[] {
  const evaluator = new RuleEvaluator(parseMappings([{ file: 'm.yaml', text: mapping(when) }]));
  return records.filter((data) => evaluator.evaluate(record(data)).candidates.length === 1).map((data) => data['id']);
}

function problems(when: string): string[] {
  try {
    parseMappings([{ file: 'm.yaml', text: mapping(when) }]);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`);
    throw error;
  }
  return [];
}

const charges = [
  { id: 1, status: 'succeeded', amount: 500, livemode: true },
  { id: 2, status: 'pending', amount: 0, livemode: true },
  { id: 3, status: 'failed', amount: 900, livemode: true, refunded: true },
  { id: 4, status: 'succeeded', amount: 700, livemode: false },
];

describe('when: any / all / not', () => {
  it('any holds when one block holds, beside field conditions that must all hold', () => {
    const when = ['      data.livemode: true', '      any:', '        - { data.status: succeeded }', '        - { data.amount: { gt: 800 } }'].join('\n');
    expect(accepted(when, charges)).toEqual([1, 3]);
  });

  it('not negates its whole block, and blocks nest', () => {
    const when = [
      '      not: { data.status: failed, data.refunded: true }',
      '      all:',
      '        - any: [{ data.amount: { gte: 500 } }, { data.status: pending }]',
      '        - not: { any: [{ data.livemode: false }] }',
    ].join('\n');
    expect(accepted(when, charges)).toEqual([1, 2]);
  });

  it('a field literally named any is written as a bracket path', () => {
    const evaluator = new RuleEvaluator(parseMappings([{ file: 'm.yaml', text: mapping("      '[\"any\"]': yes") }]));
    const hit = { source: 'csv', type: 'csv.row', id: 'r', ref: 'r', observedAt: '2026-05-01T00:00:00Z', any: 'yes', data: { id: 9 } } as unknown as SourceRecord;
    expect(evaluator.evaluate(hit).candidates).toHaveLength(1);
  });

  it('reports each bad shape once, at its own line', () => {
    const when = [
      '      any: { data.status: paid }',
      '      all: []',
      '      not: [{ data.status: paid }]',
      '      data.status: { equal: paid }',
      '      data.amount: [1, 2]',
      '      data[x: 1',
      '      data.currency: { matches: "([" }',
      '      data.x:',
      '        any:',
      '          - {}',
      '          - { data.y: { in: [] } }',
    ].join('\n');
    expect(problems(when)).toEqual([
      'm.yaml:5:12: any: takes a list of condition blocks, like any: [{ data.status: paid }, { data.paid: true }]',
      'm.yaml:6:12: all: takes a list of condition blocks, like all: [{ data.status: paid }, { data.paid: true }]',
      'm.yaml:7:12: not: takes one block of conditions, like not: { data.status: refunded } (for several alternatives write not: { any: [...] })',
      'm.yaml:8:22: data.status: unknown operator "equal" (operators: equals, not_equals, in, not_in, matches, exists, gt, gte, lt, lte)',
      'm.yaml:9:20: data.amount: expected one value (equality) or operators; for several values write { in: [a, b] }',
      'm.yaml:10:15: cannot read path "data[x" at character 5: expected [number] or ["name"]',
      'm.yaml:11:22: matches: invalid regular expression: missing closing ]: `[`',
      'm.yaml:13:9: data.x: unknown operator "any" (operators: equals, not_equals, in, not_in, matches, exists, gt, gte, lt, lte); any combines condition blocks and goes beside the fields, e.g. when: { any: [{ data.x: ... }] }',
    ]);
  });

  it('reports mistakes inside nested blocks at their lines', () => {
    const when = ['      any:', '        - {}', '        - { data.y: { in: [] } }', '        - not: { data.z: { gt: [1] } }'].join('\n');
    expect(problems(when)).toEqual([
      'm.yaml:6:11: any: an empty block {} would always hold; give it a condition or remove it',
      'm.yaml:7:27: data.y: in: Too small: expected array to have >=1 items',
      'm.yaml:8:32: data.z: gt: expected a number or a text',
    ]);
  });
});
