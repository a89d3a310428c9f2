import { allSql, anySql, compareSql, equalsSql, notSql, presentSql } from '../../sql/rule-conditions.js';
import { recordPath } from '../../sql/rule-select.js';
import { parsePath } from '../path.js';
import { conditionOps, rawCondition, type RawCondition } from '../schema.js';
import { arrayOwnSegment, type Refusal } from './refusal.js';

/**
 * A rule's `when:` block (as written, already validated at load) as one SQL boolean, or
 * why it has none. Mirrors when.ts and conditions.ts: fields all hold, `any`/`all`/`not`
 * combine blocks.
 */
export function whenToSql(raw: unknown): string | Refusal {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { reason: 'when: not a block of conditions' };
  const parts: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const part = key === 'any' || key === 'all' || key === 'not' ? combinator(key, value) : fieldCondition(key, value);
    if (typeof part !== 'string') return part;
    parts.push(part);
  }
  return allSql(parts);
}

function combinator(kind: 'any' | 'all' | 'not', value: unknown): string | Refusal {
  if (kind === 'not') {
    const inner = whenToSql(value);
    return typeof inner === 'string' ? notSql(inner) : inner;
  }
  if (!Array.isArray(value)) return { reason: `when: ${kind} is not a list` };
  const blocks: string[] = [];
  for (const block of value) {
    const sql = whenToSql(block);
    if (typeof sql !== 'string') return sql;
    blocks.push(sql);
  }
  return kind === 'any' ? anySql(blocks) : allSql(blocks);
}

function fieldCondition(key: string, value: unknown): string | Refusal {
  const path = parsePath(key);
  if ('error' in path) return { reason: `when: ${path.error}` };
  if (path.capture !== undefined) return { reason: `when: ${key} reads a capture` };
  const odd = arrayOwnSegment(path);
  if (odd) return odd;
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  const parsed = (isObject ? conditionOps : rawCondition).safeParse(value);
  if (!parsed.success) return { reason: `when: ${key}: not a valid condition` };
  return conditionSql(recordPath(path.segments), parsed.data, key);
}

function conditionSql(v: string, raw: RawCondition, field: string): string | Refusal {
  const odd = [raw, ...(raw !== null && typeof raw === 'object' ? Object.values(raw).flat() : [])].find((x) => typeof x === 'number' && !Number.isFinite(x));
  if (odd !== undefined) return { reason: `when: ${field}: ${String(odd)} has no SQL form` };
  if (raw === null || typeof raw !== 'object') return equalsSql(v, raw);
  if (raw.matches !== undefined) return { reason: `when: ${field}: matches: regex patterns must stay linear-time (RE2), which PostgreSQL regular expressions do not promise` };
  const tests: string[] = [];
  if (raw.equals !== undefined) tests.push(equalsSql(v, raw.equals ?? null));
  if (raw.not_equals !== undefined) tests.push(notSql(equalsSql(v, raw.not_equals ?? null)));
  if (raw.in) tests.push(anySql(raw.in.map((o) => equalsSql(v, o))));
  if (raw.not_in) tests.push(notSql(anySql(raw.not_in.map((o) => equalsSql(v, o)))));
  if (raw.exists !== undefined) tests.push(raw.exists ? presentSql(v) : notSql(presentSql(v)));
  const orders = [
    ['gt', '>'],
    ['gte', '>='],
    ['lt', '<'],
    ['lte', '<='],
  ] as const;
  for (const [op, order] of orders) {
    const bound = raw[op];
    if (bound === undefined) continue;
    // JavaScript orders texts by UTF-16 units, PostgreSQL's "C" collation by code points: the same below U+D800.
    if (typeof bound === 'string' && /[\ud800-\uffff]/.test(bound)) return { reason: `when: ${field}: ${op}: a text bound with characters from U+D800 up has no SQL form` };
    tests.push(compareSql(v, order, bound));
  }
  return allSql(tests);
}
