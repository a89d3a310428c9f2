import type { SourceKinds } from '../records/source-kind.js';
import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * The salvage.yaml contract (docs/config.md). Objects are strict: an unknown key is an
 * error, because a misspelt `lookbak:` silently ignored is how a recovery misses data.
 */
const isoInstant = z
  .string()
  .transform((v, ctx) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime()) || !/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO-8601 instant like 2026-01-20T00:00:00Z, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (!/(Z|[+-]\d{2}:?\d{2})$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} has no time zone: add Z or an offset like +02:00` });
      return z.NEVER;
    }
    return d;
  });

const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 1d, 12h or 30m, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

/** Every source may look further back than the window's own lookback (`sources.NAME.lookback`). */
const sourceLookback = { lookback: duration.optional() };

const databaseSchema = z.strictObject({ url: z.string().min(1).optional() });

/** A kind's schema with the options every source has (strict still: extend keeps the kind's unknown-key rule). */
function withCommonOptions(schema: z.ZodObject): z.ZodObject {
  return schema.extend(sourceLookback);
}

/**
 * A source's entry in salvage.yaml: its options as its kind declares them, and the
 * options every source has. Typed loosely here: each kind's own connector reads its
 * options through its own schema's type (defineSourceKind).
 */
export interface SourceConfig {
  readonly kind: string;
  /** How much further back than the window's lookback this source is pulled, in milliseconds. */
  readonly lookback?: number | undefined;
  readonly [option: string]: unknown;
}

/** A source's entry: the schema its kind declares, chosen by `kind:`. */
function sourceSchema(kinds: SourceKinds): z.ZodType<SourceConfig> {
  const [first, ...more] = kinds.map((k) => withCommonOptions(k.schema));
  // The CLI and the library entry always hand the registry, which lists kinds.
  if (first === undefined) throw new Error('no source kinds were given to validate salvage.yaml with');
  return z.discriminatedUnion('kind', [first, ...more]) as unknown as z.ZodType<SourceConfig>;
}

/** A PostgreSQL duration for SET lock_timeout / statement_timeout: a number with an optional unit (no unit: milliseconds). */
const postgresDuration = z
  .string()
  .regex(/^\d+(?:\.\d+)?(?:us|ms|s|min|h|d)?$/, 'must be a PostgreSQL duration: a number and a unit (us, ms, s, min, h, d), such as 5s, 500ms or 2min');

/** The salvage.yaml contract for these kinds of source. */
export function configSchema(kinds: SourceKinds) {
  return z.strictObject({
    job: z.string().min(1).default('./recovery'),
    backup: databaseSchema.default({}),
    target: databaseSchema.default({}),
    // Where reconcile does its set work (docs/work-database.md): the engine, and a server for a large job.
    work: z
      .strictObject({
        engine: z.enum(['in-process', 'work-database']).default('in-process'),
        url: z.string().min(1).optional(),
      })
      .default({ engine: 'in-process' }),
    window: z.strictObject({
      from: isoInstant,
      to: isoInstant,
      lookback: duration.prefault('1d'),
      horizon: isoInstant.optional(),
    }),
    mappings: z.string().min(1).default('./mappings'),
    sources: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'source names may use letters, digits, - and _'), sourceSchema(kinds)),
    apply: z
      .strictObject({
        lockTimeout: postgresDuration.default('5s'),
        statementTimeout: postgresDuration.default('5min'),
      })
      .default({ lockTimeout: '5s', statementTimeout: '5min' }),
  });
}

/** Fields whose values are secrets (each kind names its own): only ever given as env:NAME, never printed. */
export function secretFieldsOf(kinds: SourceKinds): ReadonlySet<string> {
  return new Set(kinds.flatMap((k) => k.secretFields));
}
