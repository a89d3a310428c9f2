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
  /** Source -> type -> rules: two lookups of the record's own strings, where a joined key was a new string to hash per record. */
  private readonly bySourceType = new Map<string, Map<string, CompiledRule[]>>();
  private last: { source: string; type: string; rules: CompiledRule[] } | undefined;

  constructor(private readonly mappings: MappingSet) {}

  rulesFor(source: string, type: string): CompiledRule[] {
    // Records come in runs of one source and type: no hashing of their strings then.
    if (this.last && source === this.last.source && type === this.last.type) return this.last.rules;
    const rules = this.lookUpRules(source, type);
    this.last = { source, type, rules };
    return rules;
  }

  private lookUpRules(source: string, type: string): CompiledRule[] {
    let byType = this.bySourceType.get(source);
    if (!byType) this.bySourceType.set(source, (byType = new Map()));
    let rules = byType.get(type);
    if (!rules) {
      rules = this.mappings.rules.filter((r) => (!r.sources || r.sources.has(source)) && (!r.types || r.types.test(type)));
      byType.set(type, rules);
    }
    return rules;
  }

  evaluate(record: SourceRecord): EvaluationResult {
    const result: EvaluationResult = { candidates: [], failures: [] };
    const citation: RecordCitation = {
      source: record.source,
      id: record.id,
      ref: record.ref,
      time: record.updatedAt ?? record.createdAt ?? record.observedAt,
    };
    for (const rule of this.rulesFor(record.source, record.type)) applyRule(rule, record, citation, result);
    return result;
  }
}

const NO_CAPTURES: Record<string, unknown> = Object.freeze(Object.create(null) as Record<string, unknown>);

function applyRule(rule: CompiledRule, record: SourceRecord, citation: RecordCitation, out: EvaluationResult): void {
  for (const condition of rule.conditions) {
    if (!condition(record)) return;
  }
  // Capture names are the user's: `constructor` must not find Object.prototype's. A rule
  // that captures nothing shares one empty object (a prototype-less object is a slow one to make).
  const captures = rule.extracts.length || rule.each ? (Object.create(null) as Record<string, unknown>) : NO_CAPTURES;
  for (const extract of rule.extracts) {
    const input = readPath(record, extract.from);
    const match = typeof input === 'string' || typeof input === 'number' ? extract.pattern.captures(String(input)) : undefined;
    if (!match) {
      if (extract.optional) continue;
      return;
    }
    for (const [name, value] of Object.entries(match)) {
      if (value !== undefined && captures[name] === undefined) captures[name] = value;
    }
  }
  if (!rule.each) return addCandidate(rule, record, citation, captures, out);
  // One candidate per element; a failure of one element loses none of the others.
  const { as } = rule.each;
  for (const element of elementsOf(readPath(record, rule.each.from, captures), rule.each.split)) {
    captures[as] = element;
    addCandidate(rule, record, citation, captures, out);
  }
}

/** The elements `each:` walks: an array's present members, or a text split, trimmed, empty pieces skipped. */
function elementsOf(list: unknown, split: string | undefined): unknown[] {
  if (Array.isArray(list)) return list.filter((e) => e !== null && e !== undefined && e !== '');
  if (typeof list === 'number' || typeof list === 'bigint') return [String(list)];
  if (typeof list !== 'string') return [];
  const pieces = split === undefined ? [list] : list.split(split);
  return pieces.map((p) => p.trim()).filter((p) => p !== '');
}

/** The rule's candidate from this record, or the failure that stopped it, added to `out`. */
function addCandidate(rule: CompiledRule, record: SourceRecord, citation: RecordCitation, captures: Record<string, unknown>, out: EvaluationResult): void {
  const values: Record<string, Value> = {};
  const lookups: Record<string, LookupRequest> = {};
  for (const column of rule.columns) {
    let value: Value;
    try {
      value = column.lookup?.parts ? compositeKey(column.lookup.parts, record, captures) : columnValue(column, record, captures);
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      out.failures.push({ rule: rule.id, record: citation, column: column.column, message: error.message });
      return;
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
  out.candidates.push({ table: rule.table, rule: rule.id, record: citation, values, lookups });
}

/**
 * The natural key of a lookup by several columns: each part's value, as a JSON array in
 * the order written (reconcile reads it back per column). Absent when any part is.
 */
function compositeKey(parts: ColumnRule[], record: SourceRecord, captures: Record<string, unknown>): Value {
  const values: string[] = [];
  for (const part of parts) {
    const value = columnValue(part, record, captures);
    if (value === null) return null;
    values.push(String(value));
  }
  return JSON.stringify(values);
}

function columnValue(column: ColumnRule, record: SourceRecord, captures: Record<string, unknown>): Value {
  if (column.json) return jsonObject(column.json, record, captures);
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

/**
 * A JSON object from its members, in the order written (so the same records always give
 * the same text); an absent member is left out, and an object with no member present is
 * absent. A member that reads an object or array of the record untransformed embeds it.
 */
function jsonObject(members: Array<{ key: string; rule: ColumnRule }>, record: SourceRecord, captures: Record<string, unknown>): Value {
  const object = memberValues(members, record, captures);
  return object === undefined ? null : JSON.stringify(object);
}

function memberValues(members: Array<{ key: string; rule: ColumnRule }>, record: SourceRecord, captures: Record<string, unknown>): Record<string, unknown> | undefined {
  // No prototype: a member may be called `__proto__`.
  const object = Object.create(null) as Record<string, unknown>;
  let present = false;
  for (const { key, rule } of members) {
    const value = rule.json ? memberValues(rule.json, record, captures) : embeddedOrValue(rule, record, captures);
    if (value === undefined || value === null) continue;
    object[key] = value;
    present = true;
  }
  return present ? object : undefined;
}

function embeddedOrValue(rule: ColumnRule, record: SourceRecord, captures: Record<string, unknown>): unknown {
  if (rule.transforms.length === 0 && rule.constant === undefined) {
    for (const path of rule.from) {
      const found = readPath(record, path, captures);
      if (found !== null && typeof found === 'object') return found;
      if (isPresent(toValue(found))) break;
    }
  }
  return columnValue(rule, record, captures);
}

/** Objects and arrays become JSON text (for json/jsonb columns); scalars pass. */
function toValue(found: unknown): Value {
  if (found === undefined || found === null) return null;
  if (typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean') return found;
  if (typeof found === 'bigint') return found.toString();
  return JSON.stringify(found);
}
