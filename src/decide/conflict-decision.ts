import { parse } from 'yaml';
import type { Change } from '../changeset/changeset.js';
import { Decider } from './apply-decisions.js';
import type { Decisions } from './schema.js';
import { own } from '../values/own.js';

/** One disputed column as decisions.yaml settles it. */
export interface ColumnDecision {
  column: string;
  /** The value to write, or undefined while nobody chose one. */
  value?: string | null;
  /** Where the value comes from: `source calendar`, `written in decisions.yaml`. */
  from?: string;
  /** Why the choice cannot be used (a source that gave several values, or none). */
  problem?: string;
}

/** What decisions.yaml says about one conflict, for the reports to show beside it. */
export type ConflictDecision =
  | { state: 'rejected' }
  | { state: 'decided'; columns: ColumnDecision[] }
  | { state: 'open'; columns: ColumnDecision[] };

/**
 * The decision about a conflict, as `patch` will apply it (Decider.verdict decides;
 * this only says it in words): rejected, decided with each column's value and where
 * it comes from, or open with what is decided so far.
 */
export function conflictDecision(decisions: Decisions, change: Change): ConflictDecision {
  const verdict = new Decider(decisions).verdict(change);
  if (verdict.kind === 'rejected') return { state: 'rejected' };
  const resolution = own(decisions.resolve, change.id);
  const columns: ColumnDecision[] = Object.entries(change.conflicts ?? {}).map(([column, alternatives]) => {
    const choice = resolution && own(resolution, column);
    if (!choice) return { column };
    if ('value' in choice) return { column, value: choice.value === null ? null : String(choice.value), from: 'written in decisions.yaml' };
    const picked = alternatives.filter((a) => a.evidence.some((e) => e.source === choice.source));
    if (picked.length !== 1) return { column, problem: `source "${choice.source}" ${picked.length ? 'gave several values' : 'gave no value'}: write the value instead` };
    return { column, value: picked[0]?.value ?? null, from: `source ${choice.source}` };
  });
  return verdict.kind === 'write' || verdict.kind === 'not-accepted' ? { state: 'decided', columns } : { state: 'open', columns };
}

/**
 * A change id as it is written in decisions.yaml: as it is when YAML reads it back
 * unchanged, in double quotes (JSON's, which YAML reads alike) when it holds what YAML
 * would read otherwise (`: `, ` #`, an edge space) or what a flow list splits on (`,`).
 */
export function decisionId(id: string): string {
  // Most ids (`public.bookings#1042`, a uuid, `@email=a@b.example`) are plainly plain: no parse.
  if (/^[A-Za-z_][\w.$-]*[#@][\w.@=/+-]*$/.test(id)) return id;
  if (/[,[\]{}]/.test(id)) return JSON.stringify(id);
  try {
    return parse(id) === id ? id : JSON.stringify(id);
  } catch {
    return JSON.stringify(id);
  }
}

/** One line that says a conflict's decision, for the text and Markdown reports. */
export function decisionLine(decisions: Decisions, change: Change): string {
  const decision = conflictDecision(decisions, change);
  if (decision.state === 'rejected') return 'decision: rejected in decisions.yaml (the row is not written; rows that depend on it are unrecoverable)';
  const said = decision.columns.map((c) =>
    c.problem ? `${c.column}: ${c.problem}` : c.from ? `${c.column} = ${c.value === null ? 'NULL' : JSON.stringify(c.value)} (${c.from})` : `${c.column} open`,
  );
  if (decision.state === 'decided') return `decision: decided, ${said.join('; ')}`;
  if (decision.columns.length === 0) {
    const id = decisionId(change.id);
    return `decision: open; no value to choose (see the note): in decisions.yaml, reject ${id} to keep the row the database has, or list it under rekey: to write it under a new key the target makes; or run salvage review`;
  }
  const how = `decide with salvage review, or in decisions.yaml under resolve: or reject: as ${decisionId(change.id)}`;
  return decision.columns.some((c) => c.from || c.problem) ? `decision: open (${said.join('; ')}); ${how}` : `decision: open; ${how}`;
}
