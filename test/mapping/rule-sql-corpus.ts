import type { SourceRecord } from '../../src/records/envelope.js';
import { parsePath, type FieldPath } from '../../src/mapping/path.js';
import type { ColumnRule, CompiledRule } from '../../src/mapping/types.js';
import { seededRandom } from '../fakes/stripe/random.js';

/**
 * A seeded random corpus of records aimed at one rule: every field the rule reads is
 * set (or left out, or given the wrong kind) from a pool of hostile values and of the
 * literals the rule itself names (its `when` values, its `map` keys), so conditions
 * hold often enough for the columns to be exercised.
 */

const HOSTILE_TEXTS = [
  "O'Brien",
  'back\\slash \\n not a newline',
  '"Kari Nordmann" <Kari@Example.NO>',
  '  Kari@Example.no  ',
  'mailto:Ola@Example.com',
  'MAILTO:x@y.z',
  'kári@dømi.no',
  'a@b@c',
  '@nope',
  'nope@',
  'sp ace@x.y',
  '🚣 Kari <kari@example.no>',
  'emoji 🚣‍♀️ and combining é (e + \u0301)',
  'İstanbul',
  'STRASSE ß',
  'ﬀ ligature',
  '𝒜 astral',
  '\u00a0nbsp\u00a0',
  '\u2028line sep\u2029',
  '\ufeffBOM',
  'line\nbreak\r\nand tab\t',
  '  many   inner \t spaces  ',
  '',
  ' ',
  'N/A',
  '-',
  '42',
  ' 007 ',
  '-0',
  '+5',
  '5.',
  '.5',
  '.',
  '90.50',
  '-0.00',
  '1,234.56',
  '1e3',
  '0x1F',
  '12345678901234567890123',
  '0.1000000000000000055511151231257827',
  '4500',
  '4550.5',
  'true',
  'yes',
  'Y',
  'no',
  '0',
  '1',
  '2026-03-01T10:00:00Z',
  '2026-03-01 10:00:00+05:30',
  '2026-03-01T10:00:00.120000-0800',
  '2026-03-01T10:00:00,5+01',
  '2026-03-01T10:00',
  '2026-03-01t10:00:00utc',
  '2026-03-01T10:00:00 GMT',
  '2026-03-01T10:00:00+19:00',
  '2026-02-30T10:00:00Z',
  '2026-02-28T24:00:00Z',
  '2024-02-29 23:59:59.999999999Z',
  '2026-03-29 02:30:00',
  '2026-10-25 02:30',
  '2026-07-04 09:15:00',
  '1899-12-31 12:00:00',
  '0001-01-01T00:00:00+01:00',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59-01:00',
  '0000-01-01T00:00:00Z',
  '2026-03-01',
  'Sun, 1 Mar 2026 10:00:00 +0100',
  '10:30',
  '2026-01-20T00:00:00Z',
  '2026-04-20T09:00:00Z',
];

const HOSTILE_NUMBERS = [
  0, -0, 1, 7, 4500, -4500, 1.5, 90.5, 0.1, 0.30000000000000004, 1e21, 1.5e300, 1e-7, 0.000001, 5e-324, 123456789012345680000, 9007199254740991,
  9007199254740993, 1700000000, 1774864800, 1700000000123, -1, -62135596800, 253402300799, 253402300800, 3.14159, 12.345,
];

/** Values of the kind a transform expects, good and bad, so that a column is exercised past its first step. */
const BY_FIRST_STEP: Record<string, unknown[]> = {
  email: ['kari@example.no', ' Ola.Nordmann@Example.COM ', '"Kari" <kari@example.no>', 'mailto:x@y.z', "o'brien@example.ie", 'a@b@c', 'kári@dømi.no', 'no-at', '', 4500],
  timestamp: [
    '2026-03-01T10:00:00Z', '2026-03-01 10:00:00+05:30', '2026-03-01T10:00:00.120000-0800', '2026-03-01T10:00', '2026-07-04 09:15:00', '2026-03-29 02:30:00',
    '2026-10-25 02:30', '2024-02-29 23:59:59.999999999Z', '2026-02-30T10:00:00Z', '0001-01-01T00:00:00Z', 1774864800, 1700000000123, -62135596800, 253402300800, 1.5, '1774864800',
  ],
  int: ['42', ' 007 ', '-0', '+5', '7.00', '7.5', 42, 9007199254740993, 1e21, '12345678901234567890123', '1,234'],
  decimal: ['90.50', '-0.00', '.5', '5.', ' 12.345 ', '1,234.56', 90.5, 0.1, 1e21, 1e-7, 5e-324, 123456789012345680000, 'x'],
  cents_to_amount: [4500, -4500, 0, 7, '4500', ' 4550 ', 45.5, 9007199254740993, '12345678901234567890123'],
  boolean: ['yes', ' N ', true, 0, 'T'],
  trim: ['  K7QX2P ', 'ABC123', "O'Brien", '\u00a0x\u00a0', '', 42],
};

/** Well-formed values of each kind (hostile in their text, not in their shape): records made of them reach the SQL path. */
const GOOD: Record<string, unknown[]> = {
  email: ['kari@example.no', ' Ola.Nordmann@Example.COM ', '"O\'Brien, Kari" <kari@example.no>'],
  timestamp: ['2026-03-01T10:00:00Z', '2026-03-01 10:00:00+05:30', '2026-03-01T10:00:00.120000-0800', 1774864800, '2026-07-04T09:15:00.5Z'],
  int: ['42', ' 007 ', '7.00', 42],
  decimal: ['90.50', '.5', '-0.00', 90.5, 0.1],
  cents_to_amount: [4500, '4500', 0, -7],
  trim: ['  K7QX2P ', "O'Brien", 'back\\slash', '🚣 emoji'],
  '': ["O'Brien", 'cus_123', 'back\\slash', '🚣 emoji', 'x\u00a0y', 4500, 90.5, true],
};

const OTHER_VALUES: unknown[] = [true, false, null, [], ['a', 1], { id: 'cus_1', email: 'kari@example.no' }, {}];

/** Every field path a rule reads, its `when` included. */
export function pathsOf(rule: CompiledRule): FieldPath[] {
  const fromColumn = (c: ColumnRule): FieldPath[] => [...c.from, ...(c.lookup?.parts ?? []).flatMap(fromColumn), ...(c.json ?? []).flatMap((m) => fromColumn(m.rule))];
  const paths = rule.columns.flatMap(fromColumn);
  const walk = (when: unknown): void => {
    if (when === null || typeof when !== 'object') return;
    for (const [key, value] of Object.entries(when as Record<string, unknown>)) {
      if (key === 'any' || key === 'all') (value as unknown[]).forEach(walk);
      else if (key === 'not') walk(value);
      else {
        const p = parsePath(key);
        if (!('error' in p)) paths.push(p);
      }
    }
  };
  walk(rule.when);
  return paths.filter((p) => p.capture === undefined);
}

/** Per field a `when` tests, values that pass its condition or just miss it (bounds moved either way). */
function conditionValuesOf(rule: CompiledRule): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  const add = (field: string, values: unknown[]) => out.set(field, [...(out.get(field) ?? []), ...values]);
  const walk = (when: unknown): void => {
    if (when === null || typeof when !== 'object') return;
    for (const [key, condition] of Object.entries(when as Record<string, unknown>)) {
      if (key === 'any' || key === 'all') (condition as unknown[]).forEach(walk);
      else if (key === 'not') walk(condition);
      else if (condition === null || typeof condition !== 'object') add(key, [condition]);
      else {
        for (const [op, operand] of Object.entries(condition as Record<string, unknown>)) {
          if (Array.isArray(operand)) add(key, operand);
          else if (typeof operand === 'number') add(key, [operand, operand - 1, operand + 1]);
          else if (typeof operand === 'string' && /^(gt|gte|lt|lte)$/.test(op)) add(key, [operand, ` ${operand}`, `${operand}z`]);
          else if (op !== 'exists') add(key, [operand]);
        }
      }
    }
  };
  walk(rule.when);
  return out;
}

/** The scalars a rule names (when values, map keys and values): records carry them often, so conditions hold. */
export function literalsOf(rule: CompiledRule): unknown[] {
  const out: unknown[] = [];
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== 'object') {
      out.push(x);
      return;
    }
    for (const v of Object.values(x as Record<string, unknown>)) walk(v);
  };
  walk(rule.when);
  for (const c of rule.columns) {
    for (const step of c.transforms) {
      const args = step.args as { keys?: string[] } | undefined;
      if (args && Array.isArray(args.keys)) out.push(...args.keys, ...args.keys.map((k) => ` ${k.toLowerCase()}`));
    }
  }
  return out.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean');
}

/** The first transform of the column that reads each path (by its text). */
function firstStepOf(rule: CompiledRule): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (c: ColumnRule): void => {
    for (const p of c.from) out.set(p.text, c.transforms[0]?.name ?? '');
    (c.lookup?.parts ?? []).forEach(visit);
  };
  rule.columns.forEach(visit);
  return out;
}

export function corpusFor(rule: CompiledRule, count: number, seed: number, startId: number): SourceRecord[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const paths = pathsOf(rule);
  const literals = literalsOf(rule);
  const firstSteps = firstStepOf(rule);
  const conditionValues = conditionValuesOf(rule);
  let clean = false;
  const value = (path: FieldPath): unknown => {
    const r = random();
    if (clean) {
      const first = firstSteps.get(path.text);
      const passing = conditionValues.get(path.text);
      if (first === undefined && passing) return pick(passing);
      if (first === 'map' && literals.length) return pick(literals);
      return pick(GOOD[first ?? ''] ?? GOOD['']!);
    }
    const kind = BY_FIRST_STEP[firstSteps.get(path.text) ?? ''];
    if (kind && r < 0.6) return pick(kind);
    // A field only `when` reads: its literals mostly, so the rule's columns get records to map.
    if (r < (kind ? 0.3 : 0.7) && literals.length) return pick(literals);
    if (r < 0.65) return pick(HOSTILE_TEXTS);
    if (r < 0.9) return pick(HOSTILE_NUMBERS);
    return structuredClone(pick(OTHER_VALUES));
  };
  const sources = rule.sources ? [...rule.sources] : ['stripe', 'payments'];
  const types = (rule.typeGlobs ?? ['csv.row']).map((g) => g.replaceAll('*', 'charge'));
  const records: SourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const root: Record<string, unknown> = { data: {} };
    clean = random() < 0.4;
    for (const path of paths) {
      if (random() < (clean ? 0.03 : 0.15)) continue; // missing
      setPath(root, path.segments, random() < 0.05 ? pick(HOSTILE_TEXTS) : value(path), random);
    }
    const envelope = (name: string): string | undefined => {
      const v = root[name];
      delete root[name];
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    const createdAt = envelope('createdAt') ?? (random() < 0.5 ? pick(HOSTILE_TEXTS.filter((t) => /^\d{4}-/.test(t))) : undefined);
    const updatedAt = envelope('updatedAt');
    const data = root['data'];
    records.push({
      source: random() < 0.9 ? pick(sources) : 'elsewhere',
      type: random() < 0.95 ? pick(types) : 'other.kind',
      id: `rec-${startId + i} O'Brien \\ 🚣`,
      ref: `file://exports/a.csv#L${startId + i}`,
      observedAt: '2026-04-25T12:00:00Z',
      ...(createdAt ? { createdAt } : {}),
      ...(updatedAt ? { updatedAt } : {}),
      ...(random() < 0.2 ? { deleted: random() < 0.5 } : {}),
      data: data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
    });
  }
  // Through JSON, as records come from NDJSON: -0 becomes 0, unsafe integers are rounded.
  return JSON.parse(JSON.stringify(records)) as SourceRecord[];
}

function setPath(root: Record<string, unknown>, segments: ReadonlyArray<string | number>, leaf: unknown, random: () => number): void {
  let node: unknown = root;
  segments.forEach((segment, i) => {
    if (node === null || typeof node !== 'object') return; // a wrong-kind node above: the field is unreachable
    const last = i === segments.length - 1;
    const next = segments[i + 1];
    const container = node as Record<string | number, unknown>;
    const index = typeof segment === 'number' && Array.isArray(node) ? (segment < 0 ? node.length + segment : segment) : segment;
    if (last) {
      container[index] = leaf;
      return;
    }
    let child = container[index];
    if (child === null || typeof child !== 'object') {
      // Sometimes the wrong kind of node, as a source that changed shape would send.
      child = random() < 0.05 ? 'not an object' : typeof next === 'number' ? [] : {};
      container[index] = child;
    }
    if (Array.isArray(child) && typeof next === 'number') {
      while (child.length <= (next < 0 ? -next - 1 : next)) child.push(random() < 0.5 ? {} : null);
    }
    node = child;
  });
}
