import { compilePattern } from './pattern.js';
import type { RawCondition } from './schema.js';
import type { Test } from './types.js';

/**
 * Compiles a `when:` entry. A bare scalar means equality; an object combines
 * operators, all of which must hold. Comparisons are on the value as the source
 * gave it: numbers as numbers, everything else as its string form.
 */
export function compileCondition(raw: RawCondition): Test | { error: string } {
  if (raw === null || typeof raw !== 'object') return (v) => looselyEqual(v, raw);
  const tests: Test[] = [];
  if (raw.equals !== undefined) tests.push((v) => looselyEqual(v, raw.equals ?? null));
  if (raw.not_equals !== undefined) tests.push((v) => !looselyEqual(v, raw.not_equals ?? null));
  if (raw.in) {
    const options = raw.in;
    tests.push((v) => options.some((o) => looselyEqual(v, o)));
  }
  if (raw.not_in) {
    const options = raw.not_in;
    tests.push((v) => !options.some((o) => looselyEqual(v, o)));
  }
  if (raw.matches !== undefined) {
    const pattern = compilePattern(raw.matches);
    if ('error' in pattern) return { error: `matches: invalid regular expression: ${pattern.error}` };
    tests.push((v) => v !== null && v !== undefined && typeof v !== 'object' && pattern.test(String(v)));
  }
  if (raw.exists !== undefined) {
    const want = raw.exists;
    tests.push((v) => isPresent(v) === want);
  }
  const ordered: Array<[keyof typeof raw, (c: number) => boolean]> = [
    ['gt', (c) => c > 0],
    ['gte', (c) => c >= 0],
    ['lt', (c) => c < 0],
    ['lte', (c) => c <= 0],
  ];
  for (const [op, accept] of ordered) {
    const bound = raw[op] as number | string | undefined;
    if (bound === undefined) continue;
    tests.push((v) => {
      const c = compare(v, bound);
      return c !== undefined && accept(c);
    });
  }
  if (tests.length === 0) return { error: 'a condition object needs at least one operator (equals, in, matches, exists, gt, ...)' };
  return (v) => tests.every((t) => t(v));
}

export function isPresent(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

function looselyEqual(actual: unknown, expected: string | number | boolean | null): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (actual === null || actual === undefined || typeof actual === 'object') return false;
  if (typeof expected === 'number' && typeof actual === 'number') return actual === expected;
  return String(actual) === String(expected);
}

/** Numbers compare numerically; ISO timestamps and other strings lexically. */
function compare(actual: unknown, bound: number | string): number | undefined {
  if (actual === null || actual === undefined || typeof actual === 'object') return undefined;
  if (typeof bound === 'number') {
    const n = typeof actual === 'number' ? actual : Number(actual);
    return Number.isNaN(n) ? undefined : n - bound;
  }
  const s = String(actual);
  return s < bound ? -1 : s > bound ? 1 : 0;
}
