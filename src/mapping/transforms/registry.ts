import type { z } from 'zod';
import { CHOICE_TRANSFORMS } from './choice.js';
import { CONTACT_TRANSFORMS } from './contact.js';
import { TransformError, type TransformSpec, type TransformStep, type Value } from './core.js';
import { NUMBER_TRANSFORMS } from './numbers.js';
import { suggest } from './suggest.js';
import { TEXT_TRANSFORMS } from './text.js';
import { TIME_TRANSFORMS } from './time.js';
import { TIME_ARITHMETIC_TRANSFORMS } from './time-arithmetic.js';
import { URL_TRANSFORMS } from './url.js';

/** Every transform by name. `any`: each spec has its own argument type, checked by its schema. */
export const TRANSFORMS: ReadonlyMap<string, TransformSpec<any>> = new Map(
  [...TEXT_TRANSFORMS, ...CONTACT_TRANSFORMS, ...NUMBER_TRANSFORMS, ...TIME_TRANSFORMS, ...TIME_ARITHMETIC_TRANSFORMS, ...URL_TRANSFORMS, ...CHOICE_TRANSFORMS].map((spec) => [
    spec.name,
    spec,
  ]),
);

/** Names people reach for from SQL, spreadsheets and other tools. */
const ALIASES: Readonly<Record<string, string>> = {
  lowercase: 'lower',
  to_lower: 'lower',
  uppercase: 'upper',
  to_upper: 'upper',
  strip: 'trim',
  integer: 'int',
  bigint: 'int',
  number: 'decimal',
  numeric: 'decimal',
  float: 'decimal',
  money: 'decimal',
  bool: 'boolean',
  datetime: 'timestamp',
  timestamptz: 'timestamp',
  coalesce: 'default',
  not_null: 'required',
  text: 'string',
  str: 'string',
  phone: 'phone_digits',
  cents: 'cents_to_amount',
  regex_replace: 'replace',
  empty_to_null: 'nullif_empty',
};

function suggestName(name: string): string | undefined {
  return ALIASES[name.toLowerCase()] ?? suggest(name, TRANSFORMS.keys());
}

/** Options of `map` written beside it instead of inside it. */
const MAP_OPTIONS = new Set(['otherwise', 'ignoreCase']);

type ParsedStep = { ok: true; step: TransformStep } | { ok: false; problems: string[] };

/**
 * Validates one step as written in YAML: a bare name (`trim`) or a one-key object
 * (`{ decimal: { scale: 2 } }`). All problems are returned at once, worded for the
 * person editing the mapping file.
 */
export function parseTransformStep(raw: unknown): ParsedStep {
  if (typeof raw === 'string') return withArgs(raw, undefined);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail(`a transform step is a name or a one-key object like { decimal: { scale: 2 } }, got ${describe(raw)}`);
  }
  const keys = Object.keys(raw);
  const [name] = keys;
  if (name === undefined) return fail('a transform step cannot be an empty object; write a name like trim or { decimal: { scale: 2 } }');
  if (keys.length > 1) {
    if (keys.includes('map') && keys.every((k) => k === 'map' || MAP_OPTIONS.has(k))) {
      return fail('map: put its options inside it, beside values: { map: { values: { Paid: succeeded }, otherwise: error } }');
    }
    return fail(`a transform step has exactly one key (the transform name), found ${keys.join(', ')}; write each transform as its own list item`);
  }
  return withArgs(name, (raw as Record<string, unknown>)[name]);
}

function withArgs(name: string, rawArgs: unknown): ParsedStep {
  const spec = TRANSFORMS.get(name);
  if (!spec) {
    const guess = suggestName(name);
    return fail(`unknown transform "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
  }
  const parsed = (spec.args as z.ZodType).safeParse(rawArgs, { error: missingOption });
  if (parsed.success) return { ok: true, step: { name, args: parsed.data } };
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    return `${name}: ${where}${issue.message}`;
  });
  problems.push(`${name} is written as ${spec.usage.join(' or ')}`);
  return { ok: false, problems };
}

/** A required option left out reads better as "missing" than as "expected number, received undefined". */
function missingOption(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'invalid_type' && issue.input === undefined ? 'is missing' : undefined;
}

function fail(problem: string): ParsedStep {
  return { ok: false, problems: [problem] };
}

function describe(raw: unknown): string {
  if (Array.isArray(raw)) return 'a list (write one step per list item)';
  if (raw === null || raw === undefined) return 'an empty item';
  return `${typeof raw} ${JSON.stringify(raw)}`;
}

/**
 * Runs validated steps in order. null ("unknown") skips every step except those that
 * declare `handlesNull` (`default`, `required`): a missing value stays missing instead
 * of being parsed into something. Failures are rethrown with the step's name and the
 * value it received.
 */
export function runTransforms(value: Value, steps: readonly TransformStep[]): Value {
  let current = value;
  for (const step of steps) {
    const spec = TRANSFORMS.get(step.name);
    if (!spec) throw new Error(`internal: transform "${step.name}" was not validated by parseTransformStep`);
    if (current === null && !spec.handlesNull) continue;
    try {
      current = spec.apply(current, step.args);
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      // An empty cell reaching a parser is the most common failure; name the fix.
      const hint = current === '' && !error.message.includes('nullif_empty') ? ' (if empty means unknown, add nullif_empty before this step)' : '';
      throw new TransformError(`${step.name}: ${error.message}${hint}`, { transform: step.name, input: current, cause: error });
    }
  }
  return current;
}
