import { z } from 'zod';
import { numberToDecimal, formatDecimal } from './decimal.js';
import { TransformError, defineTransform, expectText, noArgs, options, show } from './core.js';
import { compilePattern } from '../pattern.js';
import { addPrefixStep, addSuffixStep, collapseWhitespaceStep, lowerStep, nullifEmptyStep, nullifStep, stringStep, trimStep, upperStep } from '../../sql/rule-steps.js';

/**
 * Text transforms. `''` is an ordinary string everywhere (only `nullif_empty` and
 * `nullif` turn text into null), so an empty export cell is never mistaken for absent
 * unless the rule says so.
 */

export const trim = defineTransform({
  name: 'trim',
  output: 'same',
  summary: 'remove whitespace at both ends',
  usage: ['trim'],
  args: noArgs,
  apply: (value) => expectText(value).trim(),
  sql: () => trimStep,
});

export const lower = defineTransform({
  name: 'lower',
  output: 'text',
  summary: 'lower-case',
  usage: ['lower'],
  args: noArgs,
  apply: (value) => expectText(value).toLowerCase(),
  sql: () => lowerStep,
});

export const upper = defineTransform({
  name: 'upper',
  output: 'text',
  summary: 'upper-case',
  usage: ['upper'],
  args: noArgs,
  apply: (value) => expectText(value).toUpperCase(),
  sql: () => upperStep,
});

export const collapseWhitespace = defineTransform({
  name: 'collapse_whitespace',
  output: 'text',
  summary: 'trim, and turn every run of whitespace (including newlines) into one space',
  usage: ['collapse_whitespace'],
  args: noArgs,
  apply: (value) => expectText(value).trim().replace(/\s+/g, ' '),
  sql: () => collapseWhitespaceStep,
});

export const nullifEmpty = defineTransform({
  name: 'nullif_empty',
  output: 'same',
  summary: "'' becomes null (unknown); anything else, including '  ', is kept",
  usage: ['nullif_empty'],
  args: noArgs,
  apply: (value) => (value === '' ? null : value),
  sql: () => nullifEmptyStep,
});

/** Placeholder words exports write for "no value": `N/A`, `-`, `(none)`. */
export const nullif = defineTransform({
  name: 'nullif',
  output: 'same',
  summary: 'a value equal to one of the given texts becomes null (exact, case-sensitive)',
  usage: ["{ nullif: 'N/A' }", "{ nullif: ['N/A', '-', ''] }"],
  args: z
    .union([z.string(), z.array(z.string()).min(1)], { error: 'expected a text or a list of texts, like [N/A, "-"]' })
    .transform((v) => (typeof v === 'string' ? [v] : v)),
  apply: (value, placeholders) => (typeof value === 'string' && placeholders.includes(value) ? null : value),
  sql: (placeholders) => nullifStep(placeholders),
});

export const string = defineTransform({
  name: 'string',
  output: 'same',
  summary: 'numbers and booleans to text (12.5 → "12.5", true → "true"); text unchanged',
  usage: ['string'],
  args: noArgs,
  apply(value) {
    if (typeof value === 'number') {
      // Plain digits, never "1e+21": the text may become an id or a numeric column.
      const d = numberToDecimal(value);
      if (d === undefined) throw new TransformError(`${show(value)} is not a finite number`);
      return formatDecimal(d);
    }
    return String(value);
  },
  sql: () => stringStep,
});

export const replace = defineTransform({
  name: 'replace',
  output: 'same',
  summary: 'replace every match of a regular expression (RE2 syntax, linear time; `with` may use $1, $<name>)',
  usage: ["{ replace: { pattern: '\\s+', with: ' ' } }", "{ replace: { pattern: 'ltd\\.?$', with: 'Ltd', flags: i } }"],
  args: options(
    {
      pattern: z.string().min(1, 'pattern cannot be empty'),
      // `with:` left blank in YAML is null: the rule means "delete the match".
      with: z
        .string()
        .nullable()
        .default('')
        .transform((v) => v ?? ''),
      flags: z
        .string()
        .regex(/^[imsu]*$/, 'flags may only contain i, m, s, u (matching is always global)')
        .default(''),
    },
    "{ pattern: '\\s+', with: ' ' }",
  ).transform((a, ctx) => {
    const pattern = compilePattern(a.pattern, a.flags);
    if ('error' in pattern) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${pattern.error}` });
      return z.NEVER;
    }
    return { pattern, with: a.with };
  }),
  apply: (value, args) => args.pattern.replaceAll(expectText(value), args.with),
  sql: () => ({ reason: 'replace: its pattern must stay linear-time (RE2), which PostgreSQL regular expressions do not promise' }),
});

const affix = z.string({ error: 'expected the text to add or remove' }).min(1, 'cannot be empty');

export const stripPrefix = defineTransform({
  name: 'strip_prefix',
  output: 'same',
  summary: 'remove the text from the start if it is there (otherwise unchanged)',
  usage: ["{ strip_prefix: 'cus_' }"],
  args: affix,
  apply(value, prefix) {
    const text = expectText(value);
    return text.startsWith(prefix) ? text.slice(prefix.length) : text;
  },
});

export const stripSuffix = defineTransform({
  name: 'strip_suffix',
  output: 'same',
  summary: 'remove the text from the end if it is there (otherwise unchanged)',
  usage: ["{ strip_suffix: ' (copy)' }"],
  args: affix,
  apply(value, suffix) {
    const text = expectText(value);
    return text.endsWith(suffix) ? text.slice(0, text.length - suffix.length) : text;
  },
});

export const addPrefix = defineTransform({
  name: 'add_prefix',
  output: 'same',
  summary: 'put the text in front',
  usage: ["{ add_prefix: 'cus_' }"],
  args: affix,
  apply: (value, prefix) => prefix + expectText(value),
  sql: (prefix) => addPrefixStep(prefix),
});

export const addSuffix = defineTransform({
  name: 'add_suffix',
  output: 'same',
  summary: 'put the text at the end',
  usage: ["{ add_suffix: '@example.com' }"],
  args: affix,
  apply: (value, suffix) => expectText(value) + suffix,
  sql: (suffix) => addSuffixStep(suffix),
});

export const split = defineTransform({
  name: 'split',
  output: 'same',
  summary: 'one part of the text split on a separator; negative index counts from the end; a missing part is an error unless `otherwise`',
  usage: ["{ split: { by: ' ', index: 0 } }", "{ split: { by: ' ', index: -1, otherwise: null } }"],
  args: options(
    {
      by: z.string().min(1, 'by cannot be empty'),
      index: z.number().int(),
      // YAML reads a bare `null` as null, so both spellings mean the same.
      otherwise: z
        .union([z.enum(['error', 'null', 'keep']), z.null()], { error: 'otherwise must be error, null or keep' })
        .transform((v) => v ?? 'null')
        .default('error'),
    },
    "{ by: ' ', index: 0 }",
  ),
  apply(value, args) {
    const text = expectText(value);
    const parts = text.split(args.by);
    const part = parts[args.index < 0 ? parts.length + args.index : args.index];
    if (part !== undefined) return part;
    if (args.otherwise === 'null') return null;
    if (args.otherwise === 'keep') return text;
    throw new TransformError(`${show(text)} has ${parts.length} part(s) split by ${show(args.by)}, no index ${args.index}`);
  },
});

export const TEXT_TRANSFORMS = [
  trim,
  lower,
  upper,
  collapseWhitespace,
  nullifEmpty,
  nullif,
  string,
  replace,
  stripPrefix,
  stripSuffix,
  addPrefix,
  addSuffix,
  split,
];
