import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';
import { literal } from './literal.js';
import { jsonType, plainNumber, scalarText } from './rule-expressions.js';

/**
 * The SELECT a mapping rule compiles to, over a staging table of records (one row per
 * SourceRecord, its `data` as jsonb). It yields one row per record the rule applies to:
 * the record's source and id, `worker` (true: the JavaScript evaluator decides this
 * record for this rule, as a failure with its message or a value SQL cannot promise),
 * and one text column per rule column, c1..cn in the rule's order: the column text the
 * evaluator writes, NULL where it leaves the column out.
 */

/** The staging table's columns: SourceRecord's fields, times kept as the text the source wrote. */
export function createRecordStagingTable(table: QualifiedName): string {
  return `CREATE TABLE ${quoteQualified(table)} (
  "source" text NOT NULL,
  "type" text NOT NULL,
  "id" text NOT NULL,
  "ref" text NOT NULL,
  "observed_at" text NOT NULL,
  "created_at" text,
  "updated_at" text,
  "deleted" boolean,
  "data" jsonb NOT NULL
)`;
}

/** The order COPY (or a multi-row INSERT) fills the staging table in. */
export const RECORD_STAGING_COLUMNS = ['source', 'type', 'id', 'ref', 'observed_at', 'created_at', 'updated_at', 'deleted', 'data'] as const;

const RECORD = 'r';

/** SourceRecord's envelope fields, as a path's first segment names them. */
const ENVELOPE: Record<string, string> = {
  source: 'source',
  type: 'type',
  id: 'id',
  ref: 'ref',
  observedAt: 'observed_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  deleted: 'deleted',
};

/**
 * A field path of the record as jsonb; SQL NULL when any step is missing or the value is
 * JSON null (the evaluator treats both as absent). `->` gives NULL on a wrong kind of
 * node, as readPath gives undefined.
 */
export function recordPath(segments: ReadonlyArray<string | number>): string {
  const [first, ...rest] = segments;
  let expr: string;
  if (first === 'data') expr = `${RECORD}."data"`;
  else if (typeof first === 'string' && Object.hasOwn(ENVELOPE, first)) expr = `to_jsonb(${RECORD}.${quoteIdent(ENVELOPE[first] as string)})`;
  else return 'NULL::jsonb';
  for (const segment of rest) expr += typeof segment === 'number' ? ` -> ${segment}` : ` -> ${literal(segment)}`;
  return `NULLIF(${expr}, 'null'::jsonb)`;
}

/** The first present value (not absent, not '') of several, else `fallback`. */
export function firstPresent(values: string[], fallback: string | undefined): string {
  const present = values.map((v) => `NULLIF(${v}, '""'::jsonb)`);
  if (fallback !== undefined) present.push(fallback);
  return present.length === 1 ? (present[0] as string) : `COALESCE(${present.join(', ')})`;
}

/** Objects and arrays become JSON text in JavaScript (JSON.stringify's layout, not jsonb's): the worker writes them. */
export function isContainer(v: string): string {
  return `coalesce(${jsonType(v)} IN ('object', 'array'), false)`;
}

/** '' after the transforms means absent (unless the rule gave a constant), then the column's default. */
export function emptyIsAbsent(v: string, keepEmpty: boolean, fallback: string | undefined): string {
  const value = keepEmpty ? v : `NULLIF(${v}, '""'::jsonb)`;
  return fallback === undefined ? value : `COALESCE(${value}, ${fallback})`;
}

/** A value's column text (JavaScript's String(value)); numbers JavaScript prints with an exponent need the worker. */
export function columnText(v: string): { text: string; worker: string } {
  return {
    text: `CASE WHEN ${jsonType(v)} IN ('string', 'boolean', 'number') THEN ${scalarText(v)} END`,
    worker: `CASE WHEN ${v} IS NULL THEN false ELSE ${isContainer(v)} OR (${jsonType(v)} = 'number' AND NOT ${plainNumber(v)}) END`,
  };
}

/** Wraps a step that does not see null: null passes through untouched, and never needs the worker. */
export function skippingNull(input: string, value: string, worker: string | undefined): { value: string; worker: string } {
  return {
    value: `CASE WHEN ${input} IS NULL THEN NULL::jsonb ELSE ${value} END`,
    worker: worker === undefined ? 'false' : `CASE WHEN ${input} IS NULL THEN false ELSE ${worker} END`,
  };
}

/** A lookup by several columns: JSON.stringify of the parts' texts, absent when any part is. */
export function compositeKeyText(parts: string[]): string {
  const json = `'[' || ${parts.map((p) => `to_json(${p})::text`).join(` || ',' || `)} || ']'`;
  return `CASE WHEN ${parts.map((p) => `${p} IS NULL`).join(' OR ')} THEN NULL ELSE ${json} END`;
}

export interface RuleSelect {
  records: QualifiedName;
  sources?: string[];
  /** `type:` globs (`stripe.*`). */
  typeGlobs?: string[];
  /** The `when:` block; NULL at run time means the worker decides. */
  condition?: string;
  /** Computed in order, each as a LATERAL that may read the ones before it as `<alias>."v"`. */
  steps: Array<{ alias: string; value: string; worker: string }>;
  /** c1..cn: each a text expression, with when it needs the worker. */
  outputs: Array<{ text: string; worker: string }>;
}

export function stepValue(alias: string): string {
  return `${quoteIdent(alias)}."v"`;
}

export function ruleSelectSql(plan: RuleSelect): string {
  const filters: string[] = [];
  if (plan.sources) filters.push(`${RECORD}."source" IN (${plan.sources.map((s) => literal(s)).join(', ')})`);
  if (plan.typeGlobs) filters.push(`(${plan.typeGlobs.map((g) => `${RECORD}."type" LIKE ${literal(likePattern(g))}`).join(' OR ')})`);
  if (plan.condition) filters.push(`${plan.condition} IS NOT FALSE`);
  // An unknown (NULL) worker condition is a yes: the worker is always right.
  const workers = [
    ...(plan.condition ? [`${plan.condition} IS NULL`] : []),
    ...plan.steps.filter((s) => s.worker !== 'false').map((s) => `${quoteIdent(s.alias)}."w"`),
    ...plan.outputs.map((o) => `coalesce(${o.worker}, true)`),
  ];
  const columns = [
    `${RECORD}."source"`,
    `${RECORD}."id"`,
    `(${workers.length ? workers.join(' OR ') : 'false'}) AS "worker"`,
    ...plan.outputs.map((o, i) => `${o.text} AS ${quoteIdent(`c${i + 1}`)}`),
  ];
  // OFFSET 0 keeps each step a step: pulled up, PostgreSQL would paste every step's
  // expression into each use of it, and a chain of steps would grow exponentially.
  const laterals = plan.steps.map((s) => `\nCROSS JOIN LATERAL (SELECT ${s.value} AS "v", ${s.worker === 'false' ? 'false' : `coalesce(${s.worker}, true)`} AS "w" OFFSET 0) AS ${quoteIdent(s.alias)}`);
  return `SELECT ${columns.join(',\n  ')}\nFROM ${quoteQualified(plan.records)} AS ${RECORD}${laterals.join('')}${filters.length ? `\nWHERE ${filters.join('\n  AND ')}` : ''}`;
}

/** A `type:` glob as a LIKE pattern: `*` is any text, every other character itself. */
function likePattern(glob: string): string {
  return glob
    .split('*')
    .map((part) => part.replace(/[\\%_]/g, '\\$&'))
    .join('%');
}
