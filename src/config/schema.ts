import { isKnownEncoding } from '../../connectors/shared/text-decoding.js';
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

const globList = z.array(z.string().min(1)).min(1, 'list at least one file or glob pattern');

const databaseSchema = z.strictObject({ url: z.string().min(1).optional() });

const stripeSource = z.strictObject({
  kind: z.literal('stripe'),
  ...sourceLookback,
  apiKey: z.string().min(1),
  apiBase: z.string().url().optional(),
  objects: z.array(z.string()).optional(),
  connectedAccount: z.string().optional(),
  accounts: z.union([z.literal('all'), z.array(z.string()).min(1)]).optional(),
  allowSecretKey: z.boolean().optional(),
});
const imapSource = z.strictObject({
  kind: z.literal('imap'),
  ...sourceLookback,
  host: z.string().min(1),
  port: z.number().int().positive().optional(),
  secure: z.boolean().optional(),
  user: z.string().min(1),
  pass: z.string().optional(),
  accessToken: z.string().optional(),
  auth: z.enum(['password', 'xoauth2']).optional(),
  mailboxes: z.array(z.string()).min(1).optional(),
});
const googleCalendarSource = z.strictObject({
  kind: z.literal('google-calendar'),
  ...sourceLookback,
  accessToken: z.string().optional(),
  credentials: z.string().optional(),
  subject: z.string().optional(),
  calendarIds: z.union([z.literal('all'), z.array(z.string()).min(1)]).optional(),
  apiBase: z.string().url().optional(),
});
const icsSource = z.strictObject({ kind: z.literal('ics'), ...sourceLookback, files: globList });
const csvSource = z.strictObject({
  kind: z.literal('csv'),
  ...sourceLookback,
  files: globList,
  delimiter: z.string().length(1).optional(),
  // Any label iconv-lite knows (windows-1252 for Excel exports from Windows, latin1, utf16le, shift_jis...).
  encoding: z.string().refine(isKnownEncoding, { message: 'unknown encoding: use a name such as utf8, windows-1252 (Excel on Windows), latin1, utf16le or shift_jis' }).optional(),
  createdColumn: z.string().optional(),
  updatedColumn: z.string().optional(),
});
const emlSource = z.strictObject({ kind: z.literal('eml'), ...sourceLookback, files: globList });

export const sourceSchema = z.discriminatedUnion('kind', [
  stripeSource,
  imapSource,
  googleCalendarSource,
  icsSource,
  csvSource,
  emlSource,
]);
export type SourceConfig = z.infer<typeof sourceSchema>;
export type SourceKind = SourceConfig['kind'];

/** A PostgreSQL duration for SET lock_timeout / statement_timeout: a number with an optional unit (no unit: milliseconds). */
const postgresDuration = z
  .string()
  .regex(/^\d+(?:\.\d+)?(?:us|ms|s|min|h|d)?$/, 'must be a PostgreSQL duration: a number and a unit (us, ms, s, min, h, d), such as 5s, 500ms or 2min');

export const configSchema = z.strictObject({
  job: z.string().min(1).default('./recovery'),
  backup: databaseSchema.default({}),
  target: databaseSchema.default({}),
  window: z.strictObject({
    from: isoInstant,
    to: isoInstant,
    lookback: duration.prefault('1d'),
    horizon: isoInstant.optional(),
  }),
  mappings: z.string().min(1).default('./mappings'),
  sources: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'source names may use letters, digits, - and _'), sourceSchema),
  apply: z
    .strictObject({
      lockTimeout: postgresDuration.default('5s'),
      statementTimeout: postgresDuration.default('5min'),
    })
    .default({ lockTimeout: '5s', statementTimeout: '5min' }),
});
export type RawConfig = z.infer<typeof configSchema>;

/** Fields whose values are secrets: only ever given as env:NAME, never printed. */
export const SECRET_FIELDS = new Set(['apiKey', 'pass', 'accessToken', 'credentials']);
