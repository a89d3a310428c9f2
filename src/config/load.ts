import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { InvalidInputError, UsageError, type Problem } from '../errors.js';
import type { PullWindow } from '../records/connector.js';
import { configSchema, secretFieldsOf, type SourceConfig } from './schema.js';
import { suggest } from '../mapping/transforms/suggest.js';
import { registerSecret } from '../runtime/secrets.js';
import { parseYamlDocument, problemAt, type YamlDocument } from './yaml-document.js';
import { registerSecretPatterns, type SourceKinds } from '../records/source-kind.js';

const DAY_MS = 86_400_000;

/** salvage.yaml, validated and resolved: paths absolute, env: values read, window computed. */
export interface SalvageConfig {
  file: string;
  /** Directory of the config file: relative paths in it are relative to this. */
  baseDir: string;
  jobDir: string;
  mappingsDir: string;
  backup: { url?: string };
  target: { url?: string };
  /** reconcile's engine, and the work database's server (default: embedded, in the job). */
  work: { engine: 'in-process' | 'work-database'; url?: string };
  window: PullWindow & { lookbackMs: number };
  sources: Record<string, SourceConfig>;
  /** The kinds the sources were validated against: pull and preserve make their connectors from the same specs. */
  kinds: SourceKinds;
  apply: { lockTimeout: string; statementTimeout: string };
  /**
   * env: variables that are not set, by where they are used. They only matter to the
   * commands that use that part (pull needs its sources' secrets, diff needs none), so
   * each command asks for what it needs with requireEnv.
   */
  missingEnv: Array<{ path: Array<string | number>; problem: Problem }>;
  /** Secrets written into salvage.yaml itself (they work, and are redacted, but the file now holds them). */
  inlineSecrets: Problem[];
}

/**
 * The window one source is pulled in: the config's, reaching further back when the source
 * says `lookback:` (Stripe objects created long before the backup but changed in the
 * window), so that mail and calendars keep the short one.
 */
export function sourceWindow(config: Pick<SalvageConfig, 'window' | 'sources'>, name: string): PullWindow {
  const { from, to, since, horizon } = config.window;
  const lookback = config.sources[name]?.lookback;
  return { from, to, horizon, since: lookback === undefined ? since : new Date(from.getTime() - lookback) };
}

/** Throws (exit 2) if an env: variable used under any of these config paths is not set. */
export function requireEnv(config: SalvageConfig, ...prefixes: Array<Array<string | number>>): void {
  const missing = missingUnder(config.missingEnv, prefixes);
  if (missing.length) throw new InvalidInputError(`${config.file} needs environment variables`, missing.map((m) => m.problem));
}

function missingUnder(missing: SalvageConfig['missingEnv'], prefixes: Array<Array<string | number>>): SalvageConfig['missingEnv'] {
  return missing.filter((m) => prefixes.some((prefix) => prefix.every((p, i) => m.path[i] === p)));
}

export interface LoadConfigOptions {
  /** The kinds of source salvage.yaml may name (connectors/registry.ts, handed down by the CLI or the library entry). */
  kinds: SourceKinds;
  /** Overrides `job:` (the CLI's --job). */
  jobDir?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The parts of the config whose env: variables the caller will use (as requireEnv
   * takes them). When the config has other mistakes, only these variables are reported
   * with them: a typo should not come with a list of secrets the command never reads.
   * Without it, every unset variable is reported.
   */
  needsEnv?: Array<Array<string | number>>;
}

export async function loadConfig(file: string, options: LoadConfigOptions): Promise<SalvageConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(`no config file at ${file}: write a salvage.yaml (see docs/config.md) or pass --config FILE`);
    }
    throw new UsageError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  return parseConfig(text, file, options);
}

/** Validates config text; throws InvalidInputError listing every problem at once. */
export function parseConfig(text: string, file: string, options: LoadConfigOptions): SalvageConfig {
  const { kinds } = options;
  registerSecretPatterns(kinds);
  const doc = parseYamlDocument(text, file);
  if (doc.syntaxProblems.length) throw new InvalidInputError('config is not valid YAML', doc.syntaxProblems);
  const missingEnv: SalvageConfig['missingEnv'] = [];
  const secretFields = secretFieldsOf(kinds);
  const inlineSecrets = findInlineSecrets(doc, doc.value, [], secretFields);
  const resolved = resolveEnvValues(doc, doc.value, [], { env: options.env ?? process.env, secretFields, missing: missingEnv });
  const parsed = configSchema(kinds).safeParse(resolved ?? {});
  if (!parsed.success) {
    // With other mistakes to fix anyway, every problem is reported at once, the variables this command needs included.
    const needed = options.needsEnv ? missingUnder(missingEnv, options.needsEnv) : missingEnv;
    const kindNames = kinds.map((k) => k.kind);
    throw new InvalidInputError(`invalid config ${file}`, [...needed.map((m) => m.problem), ...zodProblems(doc, parsed.error.issues, kindNames)]);
  }

  const raw = parsed.data;
  if (raw.window.from.getTime() >= raw.window.to.getTime()) {
    throw new InvalidInputError(`invalid config ${file}`, [
      problemAt(doc, ['window', 'to'], 'window.to (when data was lost) must be after window.from (when the backup was taken)'),
    ]);
  }
  const baseDir = path.dirname(path.resolve(file));
  const horizon = raw.window.horizon ?? new Date(raw.window.to.getTime() + 365 * DAY_MS);
  return {
    file,
    baseDir,
    jobDir: path.resolve(options.jobDir ?? path.resolve(baseDir, raw.job)),
    mappingsDir: path.resolve(baseDir, raw.mappings),
    backup: raw.backup,
    target: raw.target,
    work: raw.work,
    window: {
      from: raw.window.from,
      to: raw.window.to,
      since: new Date(raw.window.from.getTime() - raw.window.lookback),
      horizon,
      lookbackMs: raw.window.lookback,
    },
    sources: raw.sources,
    kinds,
    apply: raw.apply,
    missingEnv,
    inlineSecrets,
  };
}

/**
 * A key, token or password written into salvage.yaml works, but the file is copied,
 * committed and pasted into tickets. Each one is registered for redaction like an env:
 * secret, and named (never shown) in a warning that points to env:.
 */
function findInlineSecrets(doc: YamlDocument, value: unknown, at: Array<string | number>, secretFields: ReadonlySet<string>): Problem[] {
  if (typeof value === 'string') {
    if (value.startsWith('env:')) return [];
    const key = at[at.length - 1];
    const label = at.join('.');
    if (typeof key === 'string' && secretFields.has(key) && value !== '') {
      registerSecret(value);
      return [problemAt(doc, at, `${label} is written in salvage.yaml itself; put it in an environment variable and write ${key}: env:NAME`)];
    }
    if (key === 'url') {
      const password = urlPassword(value);
      if (password) {
        registerSecret(password);
        return [problemAt(doc, at, `${label} holds a password in salvage.yaml itself; put the whole URL in an environment variable and write url: env:NAME`)];
      }
    }
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findInlineSecrets(doc, v, [...at, i], secretFields));
  if (value && typeof value === 'object' && !(value instanceof Date)) return Object.entries(value).flatMap(([k, v]) => findInlineSecrets(doc, v, [...at, k], secretFields));
  return [];
}

function urlPassword(text: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(text).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

/** Replaces every `env:NAME` string with the variable's value; a missing variable is a problem. */
interface EnvResolution {
  env: NodeJS.ProcessEnv;
  /** Option names whose values are registered as secrets once read. */
  secretFields: ReadonlySet<string>;
  /** Collects the variables that are not set. */
  missing: SalvageConfig['missingEnv'];
}

function resolveEnvValues(doc: YamlDocument, value: unknown, at: Array<string | number>, resolution: EnvResolution): unknown {
  const { env, secretFields, missing } = resolution;
  if (typeof value === 'string') {
    const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
    if (!m) return value;
    const name = m[1] as string;
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      missing.push({ path: at, problem: problemAt(doc, at, `environment variable ${name} is not set (export ${name}=... before running salvage)`) });
      // Keep the placeholder so the schema does not also call the value missing.
      return value;
    }
    const key = at[at.length - 1];
    if (typeof key === 'string' && secretFields.has(key)) registerSecret(resolved);
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvValues(doc, v, [...at, i], resolution));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnvValues(doc, v, [...at, k], resolution)]),
    );
  }
  return value;
}

/**
 * Converts zod issues to positioned problems, pointing at the offending key where possible.
 * `kinds`: the source kinds a config may name, for the message about an unknown one.
 */
export function zodProblems(doc: YamlDocument, issues: z.core.$ZodIssue[], kinds: readonly string[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const at = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(problemAt(doc, [...at, key], `unknown key "${key}"${suggestKey(issue, key)}`, { key: true }));
      continue;
    }
    const label = at.length ? at.join('.') : '(top level)';
    out.push(problemAt(doc, at, `${label}: ${describeIssue(issue, valueAt(doc.value, at), kinds)}`));
  }
  return out;
}

function suggestKey(_issue: z.core.$ZodIssue, key: string): string {
  const known = ['job', 'backup', 'target', 'work', 'engine', 'window', 'mappings', 'sources', 'apply', 'from', 'to', 'lookback', 'horizon', 'url', 'kind', 'files'];
  // Only near misses of real length: "typo" is not a misspelt "to".
  const close = known.find((k) => k !== key && editDistance(k, key) <= Math.min(2, Math.floor((k.length - 1) / 2)));
  return close ? ` (did you mean "${close}"?)` : '';
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown, kinds: readonly string[]): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`;
  if (issue.code === 'invalid_union' && 'input' in issue && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return `kind must be one of ${kinds.join(', ')}${typeof value === 'string' ? didYouMean(value, kinds) : ''}`;
  }
  return issue.message;
}

function didYouMean(value: string, choices: readonly string[]): string {
  const close = suggest(value, choices);
  return close ? ` (did you mean "${close}"?)` : '';
}

/** The value at a path of the parsed YAML, if there is one. */
function valueAt(root: unknown, at: Array<string | number>): unknown {
  let value = root;
  for (const key of at) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
