import type { SourceRecord } from '../records/envelope.js';
import { isPresent } from './conditions.js';
import { readPath } from './path.js';
import { runTransforms, TransformError, type Value } from './transforms/index.js';
import type { ColumnRule, CompiledRule, MappingSet } from './types.js';

/** Where a candidate came from: cited next to every value it produces. */
export interface RecordCitation {
  source: string;
  id: string;
  ref: string;
  /** The record's last known write time (updatedAt, else createdAt, else observedAt). */
  time: string;
}

/** A natural key that reconcile resolves to the parent row's key. */
export interface LookupRequest {
  table: string;
  by: string;
  key: string;
  optional: boolean;
}

/** What one rule says about one row of one table, from one record. */
export interface Candidate {
  table: string;
  rule: string;
  record: RecordCitation;
  values: Record<string, Value>;
  lookups: Record<string, LookupRequest>;
}

export interface RuleFailure {
  rule: string;
  record: RecordCitation;
  column: string;
  message: string;
}

export interface EvaluationResult {
  candidates: Candidate[];
  failures: RuleFailure[];
}

/**
 * Evaluates rules against records one at a time. Rules are pre-selected per
 * (source, type) so that a record only meets the rules that can apply to it.
 */
export class RuleEvaluator {
  private readonly bySourceType = new Map<string, CompiledRule[]>();

  constructor(private readonly mappings: MappingSet) {}

  rulesFor(source: string, type: string): CompiledRule[] {
    const key = `${source}\u0000${type}`;
    let rules = this.bySourceType.get(key);
    if (!rules) {
      rules = this.mappings.rules.filter((r) => (!r.sources || r.sources.has(source)) && (!r.types || r.types.test(type)));
      this.bySourceType.set(key, rules);
    }
    return rules;
  }

  evaluate(record: SourceRecord): EvaluationResult {
    const candidates: Candidate[] = [];
    const failures: RuleFailure[] = [];
    const citation: RecordCitation = {
      source: record.source,
      id: record.id,
      ref: record.ref,
      time: record.updatedAt ?? record.createdAt ?? record.observedAt,
    };
    for (const rule of this.rulesFor(record.source, record.type)) {
      const outcome = applyRule(rule, record, citation);
      if (outcome === undefined) continue;
      if ('failure' in outcome) failures.push(outcome.failure);
      else candidates.push(outcome.candidate);
    }
    return { candidates, failures };
  }
}

type RuleOutcome = { candidate: Candidate } | { failure: RuleFailure } | undefined;

function applyRule(rule: CompiledRule, record: SourceRecord, citation: RecordCitation): RuleOutcome {
  for (const condition of rule.conditions) {
    if (!condition(record)) return undefined;
  }
  // Capture names are the user's: `constructor` must not find Object.prototype's.
  const captures: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const extract of rule.extracts) {
    const input = readPath(record, extract.from);
    const match = typeof input === 'string' || typeof input === 'number' ? extract.pattern.captures(String(input)) : undefined;
    if (!match) {
      if (extract.optional) continue;
      return undefined;
    }
    for (const [name, value] of Object.entries(match)) {
      if (value !== undefined && captures[name] === undefined) captures[name] = value;
    }
  }
  const values: Record<string, Value> = {};
  const lookups: Record<string, LookupRequest> = {};
  for (const column of rule.columns) {
    let value: Value;
    try {
      value = columnValue(column, record, captures);
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      return { failure: { rule: rule.id, record: citation, column: column.column, message: error.message } };
    }
    if (value === null) continue;
    if (column.lookup) {
      // A literal, not a spread: spreading gave every request its own hidden class (~200 bytes each).
      const { table, by, optional } = column.lookup;
      lookups[column.column] = { table, by, optional, key: String(value) };
    } else {
      values[column.column] = value;
    }
  }
  return { candidate: { table: rule.table, rule: rule.id, record: citation, values, lookups } };
}

function columnValue(column: ColumnRule, record: SourceRecord, captures: Record<string, string | undefined>): Value {
  let raw: Value = column.constant === undefined ? null : column.constant;
  for (const path of column.from) {
    const found = toValue(readPath(record, path, captures));
    // An empty string counts as absent: exports write '' for "no value".
    if (isPresent(found)) {
      raw = found;
      break;
    }
  }
  let value = column.transforms.length ? runTransforms(raw, column.transforms) : raw;
  if (value === '' && column.constant === undefined) value = null;
  return value ?? column.default ?? null;
}

/** Objects and arrays become JSON text (for json/jsonb columns); scalars pass. */
function toValue(found: unknown): Value {
  if (found === undefined || found === null) return null;
  if (typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean') return found;
  if (typeof found === 'bigint') return found.toString();
  return JSON.stringify(found);
}
