import { existsSync } from 'node:fs';
import type { SalvageConfig } from '../config/load.js';
import { RuleEvaluator, type Candidate } from '../mapping/evaluate.js';
import { rulePath } from '../mapping/sql/compile-rule.js';
import type { MappingSet, SourcePosition } from '../mapping/types.js';
import type { Value } from '../mapping/transforms/index.js';
import { SourceInputError } from '../records/connector.js';
import { readRecordsFile } from '../records/ndjson.js';
import { recordsPath } from '../runtime/job-paths.js';

/** What one rule did with the pulled records: enough to fix it before a full reconcile. */
export interface RuleStats {
  /** `bookings.yaml#calendar-event` */
  rule: string;
  table: string;
  position: SourcePosition;
  /** Where the rule maps records in a work database: `sql` (compiled), or `worker: <reason>` (the JavaScript evaluator). */
  runs: string;
  /** Records the rule turned into a candidate row. */
  matched: number;
  /** Records it applied to but could not convert (a transform failed). */
  failed: number;
  /** Candidates with no value for the columns the table is matched by. */
  keyless: number;
  samples: Array<{ ref: string; values: Record<string, Value>; lookups: Record<string, string> }>;
  failures: Array<{ ref: string; column: string; message: string }>;
  /** Candidates with a value their column cannot hold exactly (not a number, too long, digits PostgreSQL would round away): unrecoverable. */
  unfit: number;
  unfits: Array<{ ref: string; column: string; message: string }>;
}

/** Why a rule's value cannot be stored in its column exactly, or undefined when it can (check has the backup's schema). */
export type ColumnFit = (table: string, column: string, value: Value) => string | undefined;

export interface SourceStats {
  name: string;
  kind: string;
  /** False when `salvage pull` has not written its records yet. */
  pulled: boolean;
  records: number;
  /** Records no rule applied to, by type. */
  unmatched: Array<{ type: string; count: number; samples: string[] }>;
  /** The records file could not be read to the end (counts cover what came before). */
  error?: string;
}

export const SAMPLES_PER_RULE = 3;

/**
 * Runs every rule over the records already pulled, exactly as reconcile would map
 * them, and counts per rule. Reads files only: no database.
 * `keysOf(table)` gives the column lists a candidate must fill one of to be matched.
 */
export async function ruleStats(
  config: SalvageConfig,
  mappings: MappingSet,
  keysOf: (table: string) => string[][] | undefined,
  fits?: ColumnFit,
): Promise<{ rules: RuleStats[]; sources: SourceStats[] }> {
  const tally: Tally = {
    evaluator: new RuleEvaluator(mappings),
    rules: new Map(mappings.rules.map((r) => [r.id, { rule: r.id, table: r.table, position: r.position, runs: rulePath(r), matched: 0, failed: 0, keyless: 0, samples: [], failures: [], unfit: 0, unfits: [] }])),
    keysOf,
    fits,
  };
  const sources: SourceStats[] = [];
  for (const [name, source] of Object.entries(config.sources)) {
    const file = recordsPath(config.jobDir, name);
    const stats: SourceStats = { name, kind: source.kind, pulled: existsSync(file), records: 0, unmatched: [] };
    sources.push(stats);
    if (!stats.pulled) continue;
    try {
      await countRecords(file, stats, tally);
    } catch (error) {
      // A broken records file is one more problem to list, not the end of the check.
      if (!(error instanceof SourceInputError)) throw error;
      stats.error = error.message;
    }
  }
  return { rules: [...tally.rules.values()], sources };
}

interface Tally {
  evaluator: RuleEvaluator;
  rules: Map<string, RuleStats>;
  keysOf: (table: string) => string[][] | undefined;
  fits?: ColumnFit;
}

async function countRecords(file: string, stats: SourceStats, tally: Tally): Promise<void> {
  const unmatched = new Map<string, SourceStats['unmatched'][number]>();
  try {
    for await (const { record } of readRecordsFile(file)) {
      stats.records++;
      const result = tally.evaluator.evaluate(record);
      for (const candidate of result.candidates) {
        count(tally.rules.get(candidate.rule), candidate, tally.keysOf(candidate.table));
        if (tally.fits) countUnfit(tally.rules.get(candidate.rule), candidate, tally.fits);
      }
      for (const failure of result.failures) {
        const rule = tally.rules.get(failure.rule);
        if (!rule) continue;
        rule.failed++;
        if (rule.failures.length < SAMPLES_PER_RULE) rule.failures.push({ ref: failure.record.ref, column: failure.column, message: failure.message });
      }
      if (result.candidates.length === 0 && result.failures.length === 0) {
        const entry = unmatched.get(record.type) ?? { type: record.type, count: 0, samples: [] };
        entry.count++;
        if (entry.samples.length < SAMPLES_PER_RULE) entry.samples.push(record.ref);
        unmatched.set(record.type, entry);
      }
    }
  } finally {
    stats.unmatched = [...unmatched.values()];
  }
}

/** The first value of the candidate its column cannot hold exactly, counted once per candidate. */
function countUnfit(stats: RuleStats | undefined, candidate: Candidate, fits: ColumnFit): void {
  if (!stats) return;
  for (const [column, value] of Object.entries(candidate.values)) {
    const why = value === null ? undefined : fits(candidate.table, column, value);
    if (!why) continue;
    stats.unfit++;
    if (stats.unfits.length < SAMPLES_PER_RULE) stats.unfits.push({ ref: candidate.record.ref, column, message: why });
    return;
  }
}

function count(stats: RuleStats | undefined, candidate: Candidate, keys: string[][] | undefined): void {
  if (!stats) return;
  stats.matched++;
  const has = (column: string) => candidate.values[column] !== undefined || candidate.lookups[column] !== undefined;
  if (keys && keys.length && !keys.some((key) => key.every(has))) stats.keyless++;
  if (stats.samples.length < SAMPLES_PER_RULE) {
    const lookups = Object.fromEntries(Object.entries(candidate.lookups).map(([column, l]) => [column, `${l.table}.${l.by} = ${l.key}`]));
    stats.samples.push({ ref: candidate.record.ref, values: candidate.values, lookups });
  }
}
