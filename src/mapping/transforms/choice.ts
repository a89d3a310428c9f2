import { z } from 'zod';
import { suggest } from './suggest.js';
import { TransformError, type Value, defineTransform, noArgs, options, show } from './core.js';
import { booleanStep, defaultStep, mapStep, requiredStep } from '../../sql/rule-steps.js';

/** Value maps, booleans, and the two transforms that act on null. */

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'expected a text, number, true/false or null',
});

/** `otherwise` for an unmapped value. YAML reads a bare `null` as null, so both spellings mean the same. */
const otherwise = z
  .union([z.enum(['error', 'null', 'keep']), z.null()], { error: 'otherwise must be error, null or keep' })
  .transform((v) => v ?? 'null')
  .default('error');

/** Map keys are YAML keys, hence text; a number or boolean is looked up by how it prints. */
function keyOf(value: string | number | boolean): string {
  return String(value);
}

const mapArgs = options(
  {
    values: z.record(z.string(), scalar).refine((v) => Object.keys(v).length > 0, { error: 'values cannot be empty' }),
    otherwise,
    ignoreCase: z.boolean().default(false),
  },
  '{ values: { Paid: succeeded }, otherwise: error }',
).transform((a, ctx) => {
  const lookup = new Map<string, Value>();
  for (const [key, mapped] of Object.entries(a.values)) {
    const folded = a.ignoreCase ? key.toLowerCase() : key;
    if (lookup.has(folded)) {
      ctx.addIssue({ code: 'custom', path: ['values', key], message: `"${key}" repeats another key when case is ignored` });
    }
    lookup.set(folded, mapped);
  }
  return { lookup, keys: Object.keys(a.values), otherwise: a.otherwise, ignoreCase: a.ignoreCase };
});

const LISTED_KEYS = 12;

export const map = defineTransform({
  name: 'map',
  output: 'unknown',
  summary: 'replace a value by the one listed for it (exact match, or ignoreCase); otherwise: error (default), null or keep',
  usage: [
    '{ map: { values: { Paid: succeeded, Refunded: refunded } } }',
    '{ map: { values: { paid: succeeded }, ignoreCase: true, otherwise: keep } }',
  ],
  args: mapArgs,
  apply(value, args) {
    if (value === null) return null;
    const key = keyOf(value);
    const folded = args.ignoreCase ? key.toLowerCase() : key;
    // `has` first: a key may deliberately map to null.
    if (args.lookup.has(folded)) return args.lookup.get(folded) ?? null;
    if (args.otherwise === 'null') return null;
    if (args.otherwise === 'keep') return value;
    const listed = args.keys.slice(0, LISTED_KEYS).map((k) => JSON.stringify(k)).join(', ');
    const more = args.keys.length > LISTED_KEYS ? ` and ${args.keys.length - LISTED_KEYS} more` : '';
    const guess = suggest(key, args.keys);
    const hint = guess ? ` (did you mean "${guess}"?${args.ignoreCase ? '' : ' add ignoreCase: true if case does not matter'})` : '';
    throw new TransformError(`${show(value)} is not one of ${listed}${more}${hint}`);
  },
  sql: (args) => mapStep([...args.lookup.entries()], args.otherwise, args.ignoreCase),
});

const TRUE_WORDS = new Set(['true', 'yes', 'y', 't', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'f', '0']);

export const boolean = defineTransform({
  name: 'boolean',
  output: 'boolean',
  summary: 'true/false from true/false, yes/no, y/n, t/f, 1/0 (any case, surrounding spaces ignored)',
  usage: ['boolean'],
  args: noArgs,
  apply(value) {
    if (typeof value === 'boolean') return value;
    const word = String(value).trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw new TransformError(`${show(value)} is not a yes/no value (expected true/false, yes/no, y/n, t/f or 1/0)`);
  },
  sql: () => booleanStep,
});

export const defaultValue = defineTransform({
  name: 'default',
  output: 'same',
  summary: 'null becomes the given constant; any other value is kept',
  usage: ['{ default: 1 }', "{ default: 'EUR' }", '{ default: false }'],
  args: z.union([z.string(), z.number(), z.boolean()], {
    error: 'expected the constant to use for null: a text, number or true/false',
  }),
  handlesNull: true,
  apply: (value, constant) => value ?? constant,
  sql: (constant) => defaultStep(constant),
});

export const required = defineTransform({
  name: 'required',
  output: 'same',
  summary: 'null is an error (the row cannot be built without this value); any other value is kept',
  usage: ['required'],
  args: noArgs,
  handlesNull: true,
  apply(value) {
    if (value === null) throw new TransformError('the value is missing (null)');
    return value;
  },
  sql: () => requiredStep,
});

export const CHOICE_TRANSFORMS = [map, boolean, defaultValue, required];
