import { z } from 'zod';
import {
  type Decimal,
  type NumberSyntax,
  PLAIN_SYNTAX,
  SPACE_SEPARATORS,
  exactInteger,
  formatDecimal,
  numberToDecimal,
  parseDecimalText,
  roundHalfUp,
} from './decimal.js';
import { TransformError, type Value, defineTransform, options, show } from './core.js';
import { amountToCentsStep, centsToAmountStep, decimalStep, intStep } from '../../sql/rule-steps.js';

/**
 * Numbers leave these transforms as canonical decimal STRINGS: a float cannot hold
 * `0.1` or a 19-digit id, and the SQL layer hands text to PostgreSQL, which converts
 * it exactly into the column's numeric/bigint type.
 */

/** The thousands separators a mapping may allow; `' '` also covers no-break spaces. */
const thousands = z.enum([',', '.', ' ', "'", '_'], { error: `thousands must be one of ",", ".", " ", "'", "_"` });
type Thousands = z.infer<typeof thousands>;

function separatorKind(sep: Thousands): readonly string[] {
  return sep === ' ' ? SPACE_SEPARATORS : [sep];
}

const MAX_DIGITS = 30;

/** Reads a number from a value; the syntax applies to text only (a JSON number has none). */
function readDecimal(value: Value, syntax: NumberSyntax, hint: string): Decimal {
  if (typeof value === 'number') {
    const d = numberToDecimal(value);
    if (d === undefined) throw new TransformError(`${show(value)} is not a finite number`);
    return d;
  }
  if (typeof value !== 'string') throw new TransformError(`expected a number, got ${show(value)}`);
  const d = parseDecimalText(value, syntax);
  if (d === undefined) {
    const punctuation = /[,.'_\s\u00a0\u202f]/.test(value.trim()) && value.trim() !== '' ? hint : '';
    throw new TransformError(`${show(value)} is not a number${punctuation}`);
  }
  return d;
}

/**
 * A whole number. JSON numbers beyond 2^53 were already rounded when the record was
 * parsed, so they are refused rather than passed on as a plausible wrong id.
 */
function readInteger(value: Value, syntax: NumberSyntax, hint: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new TransformError(
      `${show(value)} is beyond 2^53 and lost digits when it was read as a JSON number; the source must keep it as text`,
    );
  }
  const d = readDecimal(value, syntax, hint);
  const whole = exactInteger(d);
  if (whole === undefined) throw new TransformError(`${show(value)} is not a whole number`);
  return whole;
}

export const int = defineTransform({
  name: 'int',
  output: 'integer',
  summary: 'a whole number as exact integer text ("042" → "42", "7.00" → "7"); fractions are an error',
  usage: ['int', "{ int: { thousands: ',' } }"],
  args: options({ thousands: thousands.optional() }, "{ thousands: ',' }"),
  apply(value, args) {
    // With "." grouping thousands, a "," can only be a decimal mark ("1.234,00").
    const syntax: NumberSyntax = args.thousands
      ? { decimalMark: args.thousands === '.' ? ',' : '.', groupSeparators: [separatorKind(args.thousands)] }
      : PLAIN_SYNTAX;
    const hint = args.thousands ? '' : " (thousands separators need { int: { thousands: ',' } })";
    return readInteger(value, syntax, hint).toString();
  },
  sql: (args) => (args.thousands ? { reason: 'int: thousands separators have no SQL form' } : intStep),
});

const decimalArgs = options(
  {
    scale: z.number().int().min(0).max(MAX_DIGITS).optional(),
    comma: z.boolean().optional(),
    thousands: thousands.optional(),
  },
  '{ scale: 2, comma: true }',
).refine((a) => !(a.thousands !== undefined && a.thousands === (a.comma ? ',' : '.')), {
  error: 'thousands cannot be the decimal mark (with comma: true the mark is ",", otherwise ".")',
});

export const decimal = defineTransform({
  name: 'decimal',
  output: 'decimal',
  summary: 'an exact decimal as text, digits kept as given ("90.50" → "90.50"); scale rounds half away from zero',
  usage: ['decimal', '{ decimal: { scale: 2 } }', '{ decimal: { comma: true } }', "{ decimal: { thousands: ',' } }"],
  args: decimalArgs,
  apply(value, args) {
    const mark = args.comma ? ',' : '.';
    // A decimal comma implies European grouping: "1.234,56" or "1 234,56".
    const groupSeparators = args.thousands
      ? [separatorKind(args.thousands)]
      : args.comma
        ? [['.'], SPACE_SEPARATORS]
        : [];
    const hint = args.comma
      ? ''
      : " (for thousands separators use { decimal: { thousands: ',' } }, for a decimal comma { decimal: { comma: true } })";
    const d = readDecimal(value, { decimalMark: mark, groupSeparators }, hint);
    return formatDecimal(args.scale === undefined ? d : roundHalfUp(d, args.scale));
  },
  sql: (args) => (args.thousands || args.comma ? { reason: 'decimal: thousands separators and decimal commas have no SQL form' } : decimalStep(args.scale)),
});

const digits = z.number().int().min(0).max(MAX_DIGITS);

export const centsToAmount = defineTransform({
  name: 'cents_to_amount',
  output: 'decimal',
  summary: 'integer minor units to a decimal amount: 4500 → "45.00" (digits: 0 for JPY, 3 for KWD)',
  usage: ['cents_to_amount', '{ cents_to_amount: { digits: 0 } }'],
  args: options({ digits: digits.default(2) }, '{ digits: 2 }'),
  apply(value, args) {
    const cents = readInteger(value, PLAIN_SYNTAX, '');
    return formatDecimal({ unscaled: cents, scale: args.digits });
  },
  sql: (args) => centsToAmountStep(args.digits),
});

export const amountToCents = defineTransform({
  name: 'amount_to_cents',
  output: 'integer',
  summary: 'a decimal amount to integer minor units: "45.5" → "4550"; more decimals than `digits` is an error',
  usage: ['amount_to_cents', '{ amount_to_cents: { digits: 0 } }'],
  args: options({ digits: digits.default(2) }, '{ digits: 2 }'),
  apply(value, args) {
    const d = readDecimal(value, PLAIN_SYNTAX, ' (convert it with a `decimal` step first)');
    const cents = exactInteger(d, args.digits);
    if (cents === undefined) {
      // Rounding money silently would hide a wrong source column; make the rule say so with `decimal: { scale }`.
      throw new TransformError(`${show(value)} has more than ${args.digits} decimal places (round it first with { decimal: { scale: ${args.digits} } })`);
    }
    return cents.toString();
  },
  sql: (args) => amountToCentsStep(args.digits),
});

export const NUMBER_TRANSFORMS = [int, decimal, centsToAmount, amountToCents];
