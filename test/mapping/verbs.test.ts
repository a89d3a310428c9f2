import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import type { SourceRecord } from '../../src/records/envelope.js';

function record(data: Record<string, unknown>): SourceRecord {
  return { source: 'calendar', type: 'calendar.event', id: 'ev1', ref: 'file://cal.ics#uid=ev1', observedAt: '2026-05-01T00:00:00Z', data };
}

function problems(text: string): string[] {
  try {
    parseMappings([{ file: 'm.yaml', text }]);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
    throw error;
  }
  return [];
}

const evaluate = (text: string, data: Record<string, unknown>) => new RuleEvaluator(parseMappings([{ file: 't.yaml', text }])).evaluate(record(data));

describe('each: one record, several rows', () => {
  const text = `table: appointment_treatments
rules:
  - name: codes
    extract: [{ from: data.description, pattern: '^Treatments: (?<codes>.+)$', flags: m }]
    each: { from: $codes, split: ',' }
    columns:
      appointment_uid: data.uid
      code: { from: $item, transform: [upper] }
`;

  it('makes a candidate per element of a split text, trimmed, empty pieces skipped, each citing the record', () => {
    const { candidates, failures } = evaluate(text, { uid: 'a-1', description: 'Room 3\nTreatments: t01, T04 ,, t07\n' });
    expect(failures).toEqual([]);
    expect(candidates.map((c) => c.values)).toEqual([
      { appointment_uid: 'a-1', code: 'T01' },
      { appointment_uid: 'a-1', code: 'T04' },
      { appointment_uid: 'a-1', code: 'T07' },
    ]);
    expect(new Set(candidates.map((c) => `${c.rule} ${c.record.ref}`))).toEqual(new Set(['t.yaml#codes file://cal.ics#uid=ev1']));
  });

  it('walks an array of objects by $name.field, and a failing element loses only its own row', () => {
    const lines = `table: order_lines
rules:
  - name: lines
    each: { from: data.lines, as: line }
    columns:
      sku: $line.sku
      quantity: { from: $line.qty, transform: [int] }
`;
    const { candidates, failures } = evaluate(lines, { lines: [{ sku: 'A', qty: 2 }, { sku: 'B', qty: 'lots' }, null, { sku: 'C', qty: '3' }] });
    expect(candidates.map((c) => c.values)).toEqual([
      { sku: 'A', quantity: '2' },
      { sku: 'C', quantity: '3' },
    ]);
    expect(failures).toEqual([expect.objectContaining({ rule: 't.yaml#lines', column: 'quantity' })]);
  });

  it('makes nothing of an absent or empty list', () => {
    expect(evaluate(text, { uid: 'a-1', description: 'Treatments: , ' }).candidates).toEqual([]);
  });
});

describe('json: building a JSON value', () => {
  const text = `table: appointments
rules:
  - name: ev
    extract: [{ from: data.description, pattern: '^Room: (?<room>\\S+)$', flags: m, optional: true }]
    columns:
      details:
        json:
          room: $room
          channel: { value: calendar }
          visits: data.visits
          tags: data.tags
          organizer:
            json:
              email: { from: data.organizer.email, transform: [email] }
              name: data.organizer.name
          empty: { json: { nothing: data.missing } }
`;

  it('writes members in the order written, embeds the record objects, leaves absent members out', () => {
    const { candidates } = evaluate(text, { description: 'Room: 3', visits: 4, tags: ['new', 'vip'], organizer: { email: ' Kari@Clinic.example ', name: "Dr. O'Berg \"K\"" } });
    expect(candidates[0]?.values['details']).toBe('{"room":"3","channel":"calendar","visits":4,"tags":["new","vip"],"organizer":{"email":"kari@clinic.example","name":"Dr. O\'Berg \\"K\\""}}');
  });

  it('gives the same text whatever order the record has its fields in', () => {
    const a = evaluate(text, { organizer: { name: 'N', email: 'a@b.c' }, visits: 1 }).candidates[0]?.values['details'];
    const b = evaluate(text, { visits: 1, organizer: { email: 'a@b.c', name: 'N' } }).candidates[0]?.values['details'];
    expect(a).toBe('{"channel":"calendar","visits":1,"organizer":{"email":"a@b.c","name":"N"}}');
    expect(b).toBe(a);
  });
});

describe('lookups by several columns', () => {
  it('sends the parts as one key, in the order written, and nothing when a part is absent', () => {
    const text = `table: appointment_treatments
rules:
  - name: t
    columns:
      code: data.code
      appointment_id:
        lookup:
          table: appointments
          by:
            practitioner_id: { from: data.organizer, transform: [email], lookup: { table: practitioners, by: email } }
            starts_at: { from: data.start, transform: [timestamp] }
`;
    const [full] = evaluate(text, { code: 'T1', organizer: 'Kari@X.example', start: '2026-02-10T09:00:00+01:00' }).candidates;
    expect(full?.lookups).toEqual({ appointment_id: { table: 'appointments', by: '(practitioner_id, starts_at)', optional: false, key: '["kari@x.example","2026-02-10T08:00:00Z"]' } });
    const [partial] = evaluate(text, { code: 'T1', organizer: 'kari@x.example' }).candidates;
    expect(partial?.lookups).toEqual({});
  });

  it('reports every mistake of the new verbs at once, each at its line', () => {
    const text = `table: t
rules:
  - name: r
    each: { from: $nope, split: '' }
    columns:
      a: { from: data.x, lookup: { table: p, by: { c1: data.y } } }
      b: { lookup: { table: p, by: {} } }
      c: { json: { k: { from: data.z, value: 1 } }, transform: [trim] }
      d: { lookup: { table: p, by: { c1: { from: 'data[oops', transform: [nope] } } } }
  - name: s
    columns:
      e: $item
`;
    expect(problems(text)).toEqual([
      '4:19: $nope is not captured by any extract pattern of this rule',
      '4:33: split by what? give the text between elements, such as "," or "\\n"',
      '6:10: a lookup by several columns takes each value from its column under "by": move "from" there',
      '7:36: give the parent columns to look up by, each with where its value comes from',
      '8:23: give either "from" or "value", not both',
      '8:64: transforms apply to the members of a "json" object, not to the object',
      '9:50: cannot read path "data[oops" at character 5: expected [number] or ["name"]',
      '9:75: unknown transform "nope"',
      '12:10: $item is not captured by any extract pattern of this rule ($item is the element of a list the rule reads with "each:")',
    ]);
  });
});
