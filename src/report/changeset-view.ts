import type { Change, ChangeKind, Changeset } from '../changeset/changeset.js';
import { decisionsSchema, type Decisions } from '../decide/schema.js';
import { ChangeGroups } from '../changeset/change-groups.js';
import { summaryRows, type SummaryRow } from './review-model.js';

/** A changeset's fields other than its changes. */
export type ChangesetHead = Omit<Changeset, 'changes'>;

/**
 * What the reports read: the changeset's head, its summary, and its changes by table
 * and kind, in changeset order. A view over a changeset in memory and one over
 * changeset.json on disk (changeset-file-view.ts) give the same answers, so a report
 * of a million changes is rendered the way a small one is, without holding them all.
 */
export interface ChangesetView {
  readonly head: ChangesetHead;
  /** The changeset's keys in the order it has them, `changes` included (the json format keeps that order). */
  readonly keys: readonly string[];
  /** How many changes there are. */
  readonly size: number;
  /** Every change, in changeset order. */
  all(): Iterable<Change>;
  /** The changes of one table and kind, in changeset order. */
  changes(table: string, kind: ChangeKind): Iterable<Change>;
  /** How many changes of this table and kind there are. */
  count(table: string, kind: ChangeKind): number;
  /** One row per table with its counts; tables only the changes mention come last, counted from the changes. */
  summary(): SummaryRow[];
  /** The tables that have changes, in summary order. */
  tablesWithChanges(): string[];
  /** decisions.yaml as it is now (the defaults when there is none): the reports show each conflict's decision. */
  readonly decisions: Decisions;
  /** Set when decisions.yaml changed after reconcile wrote the changeset: the rows that depend on a conflict show what they were. */
  readonly decisionsNewer?: boolean;
}

/** What the reports say when decisions.yaml is newer than the changeset. */
export const DECISIONS_NEWER_NOTE =
  'decisions.yaml changed after reconcile wrote this changeset: run "salvage reconcile" again, so that the rows that depend on a decided conflict follow it (below, they are as they were)';

/** The decisions of a job without decisions.yaml: every conflict open. */
export const NO_DECISIONS: Decisions = decisionsSchema.parse({});

/** A view of a changeset held in memory. */
export function viewOfChangeset(changeset: Changeset, decisions: Decisions = NO_DECISIONS): ChangesetView {
  const { changes: all, ...head } = changeset;
  const byGroup = new ChangeGroups<Change>();
  for (const change of all) byGroup.add(change.table, change.kind, change);
  const summary = summaryRows(changeset);
  const tables = new Set(all.map((c) => c.table));
  return {
    head,
    keys: Object.keys(changeset),
    size: all.length,
    all: () => all,
    changes: (table, kind) => byGroup.get(table, kind),
    count: (table, kind) => byGroup.get(table, kind).length,
    summary: () => summary,
    tablesWithChanges: () => summary.map((r) => r.table).filter((t) => tables.has(t)),
    decisions,
  };
}
