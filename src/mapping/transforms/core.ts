import { z } from 'zod';
import type { SqlStep } from '../../sql/rule-steps.js';
import { suggest } from './suggest.js';

/** What flows between steps. `null` means unknown or absent, never "empty". */
export type Value = string | number | boolean | null;

/** A step after validation: `args` is the output of the spec's schema. */
export interface TransformStep {
  name: string;
  args: unknown;
}

/**
 * A value that a transform cannot turn into a column value. The message names the
 * value and the reason (`decimal: "12,3x" is not a number`) so that a report can show
 * it next to the record without any other context.
 */
export class TransformError extends Error {
  override name = 'TransformError';
  /** The transform that failed, when known (set by `runTransforms`). */
  readonly transform: string | undefined;
  /** The value the failing step received. */
  readonly input: Value | undefined;

  constructor(message: string, options: { transform?: string; input?: Value; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transform = options.transform;
    this.input = options.input;
  }
}

/** The kind of value a step gives, as `salvage check` compares it with the column's type; `unknown`: a raw field or a neutral text step, which may hold any value. */
export type OutputKind = 'integer' | 'decimal' | 'text' | 'timestamp' | 'date' | 'time' | 'boolean' | 'unknown';

export interface TransformSpec<A> {
  name: string;
  /**
   * What the step gives: a kind, or `same` when it keeps the kind it was given (trim,
   * default). Required, so a new transform cannot be added without saying it.
   */
  output: OutputKind | 'same';
  /** One line for docs and `did you mean` output. */
  summary: string;
  /** How the step is written in a mapping file, one example per accepted form. */
  usage: readonly string[];
  /** Validates the YAML arguments (undefined for a bare name) into what `apply` receives. */
  args: z.ZodType<A>;
  /**
   * Only these transforms see `null`; for every other one `runTransforms` passes null
   * straight through, so "unknown" is never turned into a made-up value by accident.
   */
  handlesNull?: boolean;
  /** Throws TransformError with the reason only; `runTransforms` adds the transform name. */
  apply(value: Value, args: A): Value;
  /**
   * The same step as SQL over a jsonb value, for rules compiled to run in the work
   * database (src/mapping/sql); a reason when these arguments have no SQL form. Absent:
   * the transform has none, and a rule using it runs in the mapping workers.
   */
  sql?: (args: A) => SqlStep | { reason: string };
}

/** Keeps each spec's argument type tied to its schema without annotating it twice. */
export function defineTransform<A>(spec: TransformSpec<A>): TransformSpec<A> {
  return spec;
}

/** A value as it appears in an error message: strings quoted and cut short. */
export function show(value: Value): string {
  if (typeof value !== 'string') return String(value);
  const quoted = JSON.stringify(value);
  return quoted.length > 80 ? `${quoted.slice(0, 76)}..."` : quoted;
}

function kindOf(value: Value): string {
  return value === null ? 'null' : typeof value;
}

/**
 * Text transforms do not coerce: a number reaching `trim` usually means the rule reads
 * the wrong field, and `string` exists to say the conversion on purpose.
 */
export function expectText(value: Value): string {
  if (typeof value === 'string') return value;
  throw new TransformError(`expected text, got ${kindOf(value)} ${show(value)} (add \`string\` before this step to convert it)`);
}

/** Arguments of a transform that takes none: a bare name, or `{ name: }` / `{ name: null }` in YAML. */
export const noArgs = z
  .unknown()
  .refine((v) => v === undefined || v === null, { error: 'takes no arguments (write it as a bare name)' })
  .transform((): undefined => undefined);

/**
 * An options object; a bare name (no arguments) means "all defaults". Unknown keys are
 * errors with a suggestion, because a misspelt `scael: 2` silently ignored is a wrong amount.
 */
export function options<Shape extends z.ZodRawShape>(shape: Shape, example: string) {
  const known = Object.keys(shape);
  const object = z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map((key) => {
            const guess = suggest(key, known);
            return `unknown option "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; options are: ${known.join(', ')}`;
          })
          .join('; ');
      }
      if (issue.code === 'invalid_type') return `expected options like ${example}`;
      return undefined;
    },
  });
  return z.preprocess((v) => v ?? {}, object);
}
