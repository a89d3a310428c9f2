import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import { parsePath, readPath } from '../../src/mapping/path.js';
import type { SourceRecord } from '../../src/records/envelope.js';

function record(data: Record<string, unknown>, extra: Partial<SourceRecord> = {}): SourceRecord {
  return { source: 'calendar', type: 'calendar.event', id: 'ev1', ref: 'file://cal.ics#uid=ev1', observedAt: '2026-05-01T00:00:00Z', data, ...extra };
}

function problems(text: string): string[] {
  try {
    parseMappings([{ file: 'm.yaml', text }]);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('paths', () => {
  it('reads dotted, bracketed, indexed and capture paths', () => {
    const rec = { data: { 'Customer Email': 'a@b', attendees: [{ email: 'x@y' }, { email: 'z@w' }], n: { m: 1 } } };
    const read = (text: string, captures?: Record<string, string>) => {
      const p = parsePath(text);
      if ('error' in p) throw new Error(p.error);
      return readPath(rec, p, captures);
    };
    expect(read('data["Customer Email"]')).toBe('a@b');
    expect(read("data['Customer Email']")).toBe('a@b');
    expect(read('data.attendees[1].email')).toBe('z@w');
    expect(read('data.attendees[-1].email')).toBe('z@w');
    expect(read('data.n.m')).toBe(1);
    expect(read('data.missing.deeper')).toBeUndefined();
    expect(read('$ref', { ref: 'K7QX2P' })).toBe('K7QX2P');
    expect(parsePath('data..x')).toEqual({ error: 'cannot read path "data..x" at character 6: expected a field name (write odd names as ["Field Name"])' });
  });
});

describe('mapping validation', () => {
  it('reports every mistake of a file at once with file:line:column', () => {
    const text = `table: bookings
match: [reference]
prefer: [calendar]
rules:
  - name: ev
    type: calendar.event
    when:
      data.summary: { matches: '([' }
    extract:
      - from: data.summary
        pattern: 'Booking [A-Z]+'
    columns:
      reference: $ref
      total: { from: data.total, transform: [decmal] }
      status: { from: data.s, value: x }
      item: { from: 'data[oops' }
  - name: ev
    columns:
      id: { value: 1 }
`;
    expect(problems(text)).toEqual([
      'm.yaml:8:21: matches: invalid regular expression: missing closing ]: `[`',
      'm.yaml:11:18: the pattern has no named capture: write (?<name>...) and use it as $name',
      'm.yaml:13:18: $ref is not captured by any extract pattern of this rule',
      'm.yaml:14:46: unknown transform "decmal" (did you mean "decimal"?)',
      'm.yaml:15:15: give either "from" or "value", not both',
      'm.yaml:16:21: cannot read path "data[oops" at character 5: expected [number] or ["name"]',
      'm.yaml:17:11: rule name "ev" is used twice in this file',
    ]);
  });

  it('reports structural problems with positions', () => {
    expect(problems('table: t\nrules:\n  - name: a\n    colums: {}\n')).toEqual([
      'm.yaml:3:5: rules.0.columns: is required (record)',
      'm.yaml:4:5: unknown key "colums"',
    ]);
  });

  it('refuses two files for one table', () => {
    const file = 'table: t\nrules: [{ name: a, columns: { x: data.x } }]\n';
    expect(() => parseMappings([{ file: 'a.yaml', text: file }, { file: 'b.yaml', text: file }])).toThrow(/already mapped in a.yaml/);
  });
});

describe('rule evaluation', () => {
  const mappings = parseMappings([
    {
      file: 'bookings.yaml',
      text: `table: bookings
rules:
  - name: ev
    source: calendar
    type: 'calendar.*'
    when:
      data.kind: booking
      data.seats: { gte: 1 }
    extract:
      - from: data.summary
        pattern: 'Booking #(?<ref>\\d+)'
      - from: data.description
        pattern: '^Phone: (?<phone>.+)$'
        flags: m
        optional: true
    columns:
      reference: $ref
      phone: { from: [$phone, data.phone], transform: [trim] }
      total: { from: data.cents, transform: [cents_to_amount] }
      status: { from: data.status, transform: [{ map: { values: { CONFIRMED: confirmed, CANCELLED: cancelled } } }] }
      source_note: { value: 'from calendar' }
      customer_id: { from: data.email, transform: [email], lookup: { table: customers, by: email } }
      empty: data.blank
`,
    },
  ]);
  const evaluator = new RuleEvaluator(mappings);

  it('turns a record into a candidate row with lookups kept for reconcile', () => {
    const result = evaluator.evaluate(
      record(
        { kind: 'booking', seats: 2, summary: 'Kayak — Booking #1042', description: 'x\nPhone: +47 1 \ny', cents: 4500, status: 'CANCELLED', email: ' Jane@Example.COM ', blank: '' },
        { updatedAt: '2026-03-01T10:00:00Z' },
      ),
    );
    expect(result.failures).toEqual([]);
    expect(result.candidates).toEqual([
      {
        table: 'bookings',
        rule: 'bookings.yaml#ev',
        record: { source: 'calendar', id: 'ev1', ref: 'file://cal.ics#uid=ev1', time: '2026-03-01T10:00:00Z' },
        values: { reference: '1042', phone: '+47 1', total: '45.00', status: 'cancelled', source_note: 'from calendar' },
        lookups: { customer_id: { table: 'customers', by: 'email', key: 'jane@example.com', optional: false } },
      },
    ]);
  });

  it('skips records whose conditions, source, type or required extract do not match', () => {
    const ok = { kind: 'booking', seats: 1, summary: 'Booking #1' };
    expect(evaluator.evaluate(record(ok)).candidates).toHaveLength(1);
    expect(evaluator.evaluate(record({ ...ok, kind: 'meeting' })).candidates).toHaveLength(0);
    expect(evaluator.evaluate(record({ ...ok, seats: 0 })).candidates).toHaveLength(0);
    expect(evaluator.evaluate(record({ ...ok, summary: 'Staff meeting' })).candidates).toHaveLength(0);
    expect(evaluator.evaluate(record(ok, { source: 'other' })).candidates).toHaveLength(0);
    expect(evaluator.evaluate(record(ok, { type: 'csv.row' })).candidates).toHaveLength(0);
  });

  it('reports a value a transform cannot convert as a failure naming rule, record and column', () => {
    const result = evaluator.evaluate(record({ kind: 'booking', seats: 1, summary: 'Booking #1', status: 'MAYBE' }));
    expect(result.candidates).toEqual([]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ rule: 'bookings.yaml#ev', column: 'status', record: { ref: 'file://cal.ics#uid=ev1' } });
    expect(result.failures[0]?.message).toMatch(/MAYBE/);
  });
});

describe('YAML anchors and merge keys in mappings', () => {
  it('lets rules share columns and override one of them', () => {
    const set = parseMappings([
      {
        file: 'p.yaml',
        text: `table: payments
rules:
  - name: paid
    when: { data.refunded: false }
    columns: &shared
      stripe_charge_id: data.id
      status: { value: succeeded }
  - name: refunded
    when: { data.refunded: true }
    columns:
      <<: *shared
      status: { value: refunded }
`,
      },
    ]);
    const evaluator = new RuleEvaluator(set);
    const values = (refunded: boolean) => evaluator.evaluate(record({ id: 'ch_1', refunded })).candidates.map((c) => c.values);
    expect(values(false)).toEqual([{ stripe_charge_id: 'ch_1', status: 'succeeded' }]);
    expect(values(true)).toEqual([{ stripe_charge_id: 'ch_1', status: 'refunded' }]);
  });
});
