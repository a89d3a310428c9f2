import type { QualifiedName } from '../../sql/identifier.js';
import { SqlSafetyError } from '../../sql/identifier.js';
import { jsonbConstant } from '../../sql/rule-expressions.js';
import {
  columnText,
  compositeKeyText,
  emptyIsAbsent,
  firstPresent,
  isContainer,
  recordPath,
  ruleSelectSql,
  skippingNull,
  stepValue,
  type RuleSelect,
} from '../../sql/rule-select.js';
import { TRANSFORMS } from '../transforms/registry.js';
import type { ColumnLookup, ColumnRule, CompiledRule, Value } from '../types.js';
import { whenToSql } from './compile-when.js';
import { arrayOwnSegment, isRefusal, type Refusal } from './refusal.js';

/**
 * Compiles a mapping rule to one SELECT over the work database's staging table of
 * records (src/sql/rule-select.ts), which yields per record what the evaluator
 * (evaluate.ts) yields for this rule, column text for column text. A rule compiles
 * only when every part of it does; otherwise the reason says which part keeps it in
 * the mapping workers.
 */
export interface RuleSqlContext {
  /** The staging table (createRecordStagingTable). */
  records: QualifiedName;
}

export interface CompiledRuleSql {
  sql: string;
  params?: unknown[];
  /** c1..cn of the result, in order: the column each fills, and its lookup when the text is a natural key to resolve. */
  columns: Array<{ column: string; alias: string; lookup?: ColumnLookup }>;
}

export function compileRuleToSql(rule: CompiledRule, context: RuleSqlContext): CompiledRuleSql | Refusal {
  try {
    return compile(rule, context);
  } catch (error) {
    // A constant PostgreSQL text cannot hold (a NUL byte): the worker writes the failure.
    if (error instanceof SqlSafetyError) return { reason: error.message };
    throw error;
  }
}

/** "sql", or "worker: <reason>": how `salvage check` says which path a rule takes. */
export function rulePath(rule: CompiledRule): string {
  const compiled = compileRuleToSql(rule, { records: { schema: 'salvage', name: 'records' } });
  return isRefusal(compiled) ? `worker: ${compiled.reason}` : 'sql';
}

function compile(rule: CompiledRule, context: RuleSqlContext): CompiledRuleSql | Refusal {
  if (rule.extracts.length > 0) return { reason: 'extract: regex patterns must stay linear-time (RE2), which PostgreSQL regular expressions do not promise' };
  if (rule.each) return { reason: 'each: one candidate per list element has no SQL form yet' };
  const condition = rule.when === undefined ? undefined : whenToSql(rule.when);
  if (isRefusal(condition)) return condition;
  const builder = new StepBuilder();
  const outputs: RuleSelect['outputs'] = [];
  const columns: CompiledRuleSql['columns'] = [];
  for (const column of rule.columns) {
    const output = column.lookup?.parts ? compositeKey(column.lookup.parts, builder, column.column) : columnOutput(column, builder);
    if (isRefusal(output)) return output;
    outputs.push(output);
    columns.push({ column: column.column, alias: `c${columns.length + 1}`, ...(column.lookup ? { lookup: column.lookup } : {}) });
  }
  const plan: RuleSelect = {
    records: context.records,
    ...(rule.sources ? { sources: [...rule.sources] } : {}),
    ...(rule.typeGlobs ? { typeGlobs: rule.typeGlobs } : {}),
    ...(condition !== undefined ? { condition } : {}),
    steps: builder.steps,
    outputs,
  };
  return { sql: ruleSelectSql(plan), columns };
}

/** Names each intermediate value (s1, s2, ...) so that a step reads its input once per use, not a copy of the whole chain. */
class StepBuilder {
  readonly steps: RuleSelect['steps'] = [];
  add(value: string, worker: string): string {
    const alias = `s${this.steps.length + 1}`;
    this.steps.push({ alias, value, worker });
    return stepValue(alias);
  }
}

function columnOutput(column: ColumnRule, builder: StepBuilder): { text: string; worker: string } | Refusal {
  const value = columnValue(column, builder);
  if (isRefusal(value)) return value;
  return columnText(value);
}

/** The evaluator's columnValue: first present path (or the constant), the transforms, '' as absent, the default. */
function columnValue(column: ColumnRule, builder: StepBuilder): string | Refusal {
  if (column.json) return { reason: `${column.column}: json objects are built in the worker (JSON.stringify's member order and layout)` };
  for (const path of column.from) {
    if (path.capture !== undefined) return { reason: `${column.column}: reads ${path.text}, which only the worker has` };
    const odd = arrayOwnSegment(path);
    if (odd) return odd;
  }
  const constant = column.constant === undefined || column.constant === null ? undefined : jsonConstant(column.constant, column.column);
  if (isRefusal(constant)) return constant;
  let current = builder.add(
    firstPresent(
      column.from.map((p) => recordPath(p.segments)),
      constant,
    ),
    'false',
  );
  current = builder.add(current, isContainer(current));
  for (const step of column.transforms) {
    const spec = TRANSFORMS.get(step.name);
    const form = spec?.sql?.(step.args);
    if (!spec || form === undefined) return { reason: `${column.column}: transform ${step.name} has no SQL form` };
    if (isRefusal(form)) return { reason: `${column.column}: ${form.reason}` };
    const piece = form(current, (expr) => builder.add(expr, 'false'));
    const wrapped = spec.handlesNull ? { value: piece.value, worker: piece.worker ?? 'false' } : skippingNull(current, piece.value, piece.worker);
    current = builder.add(wrapped.value, wrapped.worker);
  }
  const fallback = column.default === undefined || column.default === null ? undefined : jsonConstant(column.default, column.column);
  if (isRefusal(fallback)) return fallback;
  return builder.add(emptyIsAbsent(current, column.constant !== undefined, fallback), 'false');
}

function compositeKey(parts: ColumnRule[], builder: StepBuilder, column: string): { text: string; worker: string } | Refusal {
  const texts: string[] = [];
  const workers: string[] = [];
  for (const part of parts) {
    const value = columnValue(part, builder);
    if (isRefusal(value)) return { reason: `${column}: ${value.reason}` };
    const { text, worker } = columnText(value);
    texts.push(builder.add(`to_jsonb(${text})`, 'false'));
    workers.push(`coalesce(${worker}, true)`);
  }
  return { text: compositeKeyText(texts.map((t) => `(${t} #>> '{}')`)), worker: workers.join(' OR ') };
}

function jsonConstant(value: Exclude<Value, null>, column: string): string | Refusal {
  if (typeof value === 'number' && !Number.isFinite(value)) return { reason: `${column}: the constant ${value} has no SQL form` };
  return jsonbConstant(value);
}
