import { z } from 'zod';
import type { SourceRecord } from '../records/envelope.js';
import { compileCondition } from './conditions.js';
import { parsePath, readPath } from './path.js';
import { conditionOps, rawCondition } from './schema.js';

/**
 * A rule's `when:` block: field conditions that must all hold, combined with `any:`
 * (at least one block holds), `all:` (every block holds) and `not:` (the block does not
 * hold), nested as deep as needed. A field literally named any, all or not is written
 * `["any"]`. Shapes are checked here rather than by a recursive schema so each mistake
 * is reported once, at its own line, instead of as a failed union.
 */
export type RecordTest = (record: SourceRecord) => boolean;

export interface WhenProblem {
  at: Array<string | number>;
  message: string;
  /** Point at the key itself (an unknown operator) rather than at its value. */
  key?: boolean;
}

const COMBINATORS = new Set(['any', 'all', 'not']);

/** Compiles a `when:` block; `at` is its place in the YAML document, for problems. */
export function compileWhen(raw: unknown, at: Array<string | number>, problems: WhenProblem[]): RecordTest[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ at, message: `when: expected field conditions like { data.status: paid } or { any: [...] }, got ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}` });
    return [];
  }
  const tests: RecordTest[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const where = [...at, key];
    if (COMBINATORS.has(key)) {
      const test = compileCombinator(key as 'any' | 'all' | 'not', value, where, problems);
      if (test) tests.push(test);
      continue;
    }
    const path = parsePath(key);
    if ('error' in path) {
      problems.push({ at: where, message: path.error });
      continue;
    }
    // An object is operators: parsed alone, its mistakes are named instead of failing a union.
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    const parsed = (isObject ? conditionOps : rawCondition).safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const inner = [...where, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
        if (issue.code === 'unrecognized_keys') {
          for (const op of issue.keys) problems.push({ at: [...inner, op], key: true, message: unknownOperator(key, op) });
        } else {
          problems.push({ at: inner, message: conditionMessage(key, issue) });
        }
      }
      continue;
    }
    const test = compileCondition(parsed.data);
    if ('error' in test) {
      problems.push({ at: where, message: test.error });
      continue;
    }
    tests.push((record) => test(readPath(record, path)));
  }
  return tests;
}

function compileCombinator(kind: 'any' | 'all' | 'not', value: unknown, at: Array<string | number>, problems: WhenProblem[]): RecordTest | undefined {
  if (kind === 'not') {
    if (Array.isArray(value)) {
      problems.push({ at, message: 'not: takes one block of conditions, like not: { data.status: refunded } (for several alternatives write not: { any: [...] })' });
      return undefined;
    }
    const inner = compileWhen(value, at, problems);
    return (record) => !inner.every((t) => t(record));
  }
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ at, message: `${kind}: takes a list of condition blocks, like ${kind}: [{ data.status: paid }, { data.paid: true }]` });
    return undefined;
  }
  const blocks = value.map((block, i) => {
    if (block !== null && typeof block === 'object' && !Array.isArray(block) && Object.keys(block).length === 0) {
      problems.push({ at: [...at, i], message: `${kind}: an empty block {} would always hold; give it a condition or remove it` });
    }
    return compileWhen(block, [...at, i], problems);
  });
  if (blocks.some((b) => b.length === 0)) return undefined;
  const holds = (block: RecordTest[], record: SourceRecord) => block.every((t) => t(record));
  return kind === 'any' ? (record) => blocks.some((b) => holds(b, record)) : (record) => blocks.every((b) => holds(b, record));
}

function unknownOperator(field: string, op: string): string {
  const hint = COMBINATORS.has(op) ? `; ${op} combines condition blocks and goes beside the fields, e.g. when: { ${op}: [{ ${field}: ... }] }` : '';
  return `${field}: unknown operator "${op}" (operators: equals, not_equals, in, not_in, matches, exists, gt, gte, lt, lte)${hint}`;
}

const ORDERED = new Set(['gt', 'gte', 'lt', 'lte']);

function conditionMessage(field: string, issue: z.core.$ZodIssue): string {
  const op = issue.path.map(String).join('.');
  if (issue.code === 'invalid_union') {
    if (op === '') return `${field}: expected one value (equality) or operators; for several values write { in: [a, b] }`;
    return `${field}: ${op}: ${ORDERED.has(op) ? 'expected a number or a text' : 'expected one value (text, number, true/false or null)'}`;
  }
  return `${field}: ${op ? `${op}: ` : ''}${issue.message}`;
}
