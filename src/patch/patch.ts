import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Change, Changeset, TableSummary } from '../changeset/changeset.js';
import {
  advanceSequence,
  insertRows,
  keyedStageColumns,
  PATCH_BEGIN,
  PATCH_COMMIT,
  PATCH_SETTINGS,
  setDelete,
  setUpdate,
  sqlComment,
  type InsertRow,
} from '../sql/dml.js';
import { applyDecisions, type DecidedChangeset } from '../decide/apply-decisions.js';
import { loadDecisions } from '../decide/load.js';
import { decisionsSchema } from '../decide/schema.js';
import { hasOwn, own } from '../values/own.js';
import { MANIFEST_FORMAT, sha256, type PatchManifest } from './manifest.js';
import { SqlFileBuilder } from './sql-file.js';
import { acceptedInMemory, type AcceptedChanges } from './accepted-changes.js';
import { acceptedFromFile } from './accepted-file.js';
import { copyBlock, createStage, insertFromStage, stageTable, type StageColumn } from '../sql/staged.js';
import type { QualifiedName } from '../sql/identifier.js';
import type { SqlValue } from '../sql/literal.js';
import { collectGarbage } from '../runtime/memory.js';
import { readChangeset } from '../changeset/read-changeset.js';
import { provenance } from './provenance.js';
import { bySignature, chunksOf, typed } from './statement-groups.js';
import { emitKeyedInserts, emitKeyedRemovals, forgetKeys, KeyedPlan, keyRefNames, type KeyRefNames } from './keyed-rows.js';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';
import { patchDir } from '../runtime/job-paths.js';

/** Rows per statement: large enough to be fast, small enough to read and to locate errors. */
export const INSERT_CHUNK = 1000;
export const UPDATE_CHUNK = 1000;

export interface PatchLayout {
  /**
   * A block of more rows than this (one table, one set of columns) is staged
   * through a temporary table filled by COPY, with one provenance summary instead
   * of a comment per row; smaller blocks stay VALUES lists with a comment on each row.
   */
  stageAbove: number;
  /** Rows per staging table: bounds what one statement (and apply) holds at once. */
  stageChunk: number;
}

export const DEFAULT_LAYOUT: PatchLayout = { stageAbove: INSERT_CHUNK, stageChunk: 100_000 };

export interface PatchResult {
  dir: string;
  manifest: PatchManifest;
}

/**
 * A changeset file larger than this is read back a block at a time (accepted-file.ts):
 * memory stays flat, at the cost of parsing each change three times instead of once
 * (1,010,000 changes: 1.15 GB at the peak instead of 2.1 GB, 37 s instead of 27 s). Smaller ones,
 * which fit comfortably, are read whole.
 */
export const STREAM_PATCH_ABOVE_BYTES = 256 * 1024 * 1024;

/** Writes patch.sql, undo.sql and manifest.json for the changeset's accepted inserts and updates. */
export async function writePatch(
  jobDir: string,
  changesetFile: string,
  options: { progress?: Progress; layout?: PatchLayout; streamAboveBytes?: number } = {},
): Promise<PatchResult> {
  const progress = options.progress ?? NO_PROGRESS;
  const layout = options.layout ?? DEFAULT_LAYOUT;
  const decisions = await loadDecisions(jobDir);
  const size = await stat(changesetFile).then((s) => s.size, () => 0);
  const stream = size > (options.streamAboveBytes ?? STREAM_PATCH_ABOVE_BYTES);
  // Both ways write the same bytes (test/patch/streamed-patch.test.ts).
  const streamed = stream ? await acceptedFromFile(changesetFile, decisions.decisions, progress) : undefined;
  let built: BuiltPatch;
  try {
    if (streamed) {
      const rows = streamed.accepted;
      const count = streamed.head.tables.reduce((n, t) => n + rows.ordinals(t.table, 'insert').length + rows.ordinals(t.table, 'update').length, 0);
      const building = progress.stage('write patch and undo', count);
      built = emitPatch(streamed.head, rows, streamed.decided, streamed.sha256, sha256(decisions.text), layout);
      building.add(count);
      building.end();
    } else {
      const { changeset, sha256: changesetSha } = await readChangeset(changesetFile, progress);
      const building = progress.stage('write patch and undo', changeset.changes.length);
      built = buildPatch(changeset, changesetSha, applyDecisions(changeset, decisions.decisions), sha256(decisions.text), layout);
      building.add(changeset.changes.length);
      building.end();
    }
  } finally {
    streamed?.close();
  }
  const dir = patchDir(jobDir);
  await mkdir(dir, { recursive: true });
  // Manifest last: a directory whose manifest does not match its SQL files is refused by apply.
  for (const [name, content] of [
    ['patch.sql', built.patchSql],
    ['undo.sql', built.undoSql],
    ['manifest.json', `${JSON.stringify(built.manifest, null, 2)}\n`],
  ] as const) {
    await writeFile(path.join(dir, `${name}.partial`), content, 'utf8');
    await rename(path.join(dir, `${name}.partial`), path.join(dir, name));
  }
  collectGarbage();
  return { dir, manifest: built.manifest };
}

export interface BuiltPatch {
  patchSql: string;
  undoSql: string;
  manifest: PatchManifest;
}

/** Pure: changeset in, SQL text and manifest out. */
export function buildPatch(
  changeset: Changeset,
  changesetSha: string,
  decided: DecidedChangeset = applyDecisions(changeset, decisionsSchema.parse({})),
  decisionsSha = sha256(''),
  layout: PatchLayout = DEFAULT_LAYOUT,
): BuiltPatch {
  return emitPatch(changeset, acceptedInMemory(decided.accepted), decided, changesetSha, decisionsSha, layout);
}

/** The patch, its undo and manifest, for the accepted changes of a changeset (in memory or read back from disk). */
function emitPatch(
  changeset: Omit<Changeset, 'changes'>,
  accepted: AcceptedChanges,
  decided: Omit<DecidedChangeset, 'accepted'>,
  changesetSha: string,
  decisionsSha: string,
  layout: PatchLayout,
): BuiltPatch {
  const counts: PatchManifest['counts'] = {};
  const plan = new KeyedPlan(changeset.tables, accepted);
  const refs = keyRefNames(plan);
  const patch = new SqlFileBuilder();
  const undo = new SqlFileBuilder();
  // Nothing that changes from one reconcile run to the next (the changeset's time, its hash)
  // goes into the SQL: the same changes make the same patch, with the same id, so a patch
  // re-made from a re-run reconcile is known as already applied. manifest.json names the changeset.
  const header = [
    sqlComment(`salvage patch for ${changeset.backup.database} (manifest.json names the changeset it was made from)`),
    sqlComment('Apply with "salvage apply" (checks, counts, confirmation); every statement only touches what the review showed.'),
  ];
  patch.raw([...header, PATCH_BEGIN, ...PATCH_SETTINGS].join('\n'));
  undo.raw(
    [
      sqlComment('salvage undo: reverses exactly what patch.sql wrote.'),
      sqlComment('Rows changed since the patch was applied are left alone (their guards fail and the undo stops).'),
      sqlComment('Sequences stay advanced: moving them back could hand out keys that are in use.'),
      PATCH_BEGIN,
      ...PATCH_SETTINGS,
    ].join('\n'),
  );

  for (const table of changeset.tables) {
    const inserts = accepted.ordinals(table.table, 'insert');
    const updates = accepted.ordinals(table.table, 'update');
    counts[table.table] = { insert: inserts.length, update: updates.length };
    if (inserts.length + updates.length === 0) continue;
    patch.raw(`\n${sqlComment(`${table.table}: ${inserts.length} inserts, ${updates.length} updates`)}`);
    emitInserts(patch, table, accepted, inserts, layout, plan, refs);
    emitUpdates(patch, table, accepted, updates, 'forward', layout);
  }

  // setval() is not transactional: a rollback does not undo it. Sequences therefore
  // move last, once every row has been written, and a dry run leaves them alone.
  const sequenceMoves = changeset.tables.filter((t) => t.sequence && accepted.ordinals(t.table, 'insert').length > 0);
  if (sequenceMoves.length) patch.raw(`\n${sqlComment('sequences: moved past the highest key written, never backwards')}`);
  for (const table of sequenceMoves) emitSequence(patch, table, accepted.highestSequenceValue(table));

  // Undo walks the tables children-first so that no foreign key is left dangling on the way.
  for (const table of [...changeset.tables].reverse()) {
    const inserts = accepted.ordinals(table.table, 'insert');
    const updates = accepted.ordinals(table.table, 'update');
    if (inserts.length + updates.length === 0) continue;
    undo.raw(`\n${sqlComment(`${table.table}: revert ${inserts.length + updates.length} changes`)}`);
    emitUpdates(undo, table, accepted, updates, 'revert', layout);
    emitKeyedRemovals(undo, table, accepted, plan, refs);
    emitRemovals(undo, table, accepted, plan.plain(table.table, inserts, accepted), layout);
  }
  forgetKeys(undo, changeset.tables, accepted, plan, refs);

  patch.raw(`\n${PATCH_COMMIT}`);
  undo.raw(`\n${PATCH_COMMIT}`);
  const patchSql = patch.text();
  const undoSql = undo.text();
  const patchSha = sha256(patchSql);
  const withheld = {
    conflict: decided.withheld.undecidedConflicts,
    unrecoverable: decided.withheld.unrecoverable,
    rejected: decided.withheld.rejected,
    notAccepted: decided.withheld.notAccepted,
    ...(plan.withheld.length ? { parentNotWritten: plan.withheld.length } : {}),
  };
  return {
    patchSql,
    undoSql,
    manifest: {
      format: MANIFEST_FORMAT,
      id: patchSha.slice(0, 16),
      createdAt: new Date().toISOString(),
      changeset: { sha256: changesetSha, createdAt: changeset.createdAt },
      backup: { database: changeset.backup.database, ...(changeset.backup.identity ? { identity: changeset.backup.identity } : {}) },
      patch: { file: 'patch.sql', sha256: patchSha, statements: patch.statements },
      undo: { file: 'undo.sql', sha256: sha256(undoSql), statements: undo.statements },
      counts,
      withheld,
      decisions: { sha256: decisionsSha, stale: decided.stale.concat(decided.problems) },
      ...(plan.withheld.length ? { parentNotWritten: plan.withheld } : {}),
    },
  };
}

function emitInserts(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, all: readonly number[], layout: PatchLayout, plan: KeyedPlan, refs: KeyRefNames): void {
  emitKeyedInserts(out, table, accepted, plan, refs);
  const inserts = plan.plain(table.table, all, accepted);
  if (inserts.length === 0) return;
  if (inserts.length > layout.stageAbove) {
    for (const { columns, ordinals } of bySignature(inserts, (i) => accepted.columnsOf(i, table)).values()) {
      for (const chunk of chunksOf(ordinals, layout.stageChunk)) {
        const changes = chunk.map((i) => accepted.get(i));
        const stage = stageRows(out, table, changes, columns.map((c) => ({ name: c, from: c })), (change) => columns.map((c) => own(change.values, c) ?? null));
        out.statement('insert', table.table, insertFromStage(table, columns, stage), chunk.length);
      }
    }
    return;
  }
  const given = new Set(inserts.flatMap((i) => accepted.columnsOf(i, table)));
  const written = Object.keys(table.columns).filter((c) => given.has(c));
  for (const chunk of chunksOf(inserts, INSERT_CHUNK)) {
    const rows: InsertRow[] = chunk.map((i) => {
      const change = accepted.get(i);
      return {
        comment: provenance(change),
        values: written.map((c) => (hasOwn(change.values, c) ? (own(change.values, c) ?? null) : { default: true as const })),
      };
    });
    out.statement('insert', table.table, insertRows(table, written, rows), chunk.length);
  }
}

/**
 * Writes the staging table and its COPY block for `changes`, after one comment that
 * sums up where the rows come from (each row's own evidence is in changeset.json).
 */
function stageRows(out: SqlFileBuilder, table: TableSummary, changes: Change[], columns: StageColumn[], cells: (change: Change) => SqlValue[]): QualifiedName {
  const stage = stageTable(out.nextStage());
  const first = changes[0]?.id ?? '';
  const last = changes.at(-1)?.id ?? '';
  out.raw(sqlComment(`${changes.length} ${changes.length === 1 ? 'row' : 'rows'}, ${first} .. ${last}, staged in ${stage.name}; from ${provenanceSummary(changes)}; each row's evidence is in changeset.json under its id`));
  out.statement('stage', table.table, createStage(stage, table, columns), 0);
  out.statement('copy', table.table, copyBlock(stage, columns.map((c) => c.name), changes.map(cells)), changes.length);
  return stage;
}

/** "stripe (payments.yaml#charge) 99000, csv (payments.yaml#row) 1000": rows per source and rule. */
function provenanceSummary(changes: Change[]): string {
  // source -> rule -> rows; a row counts once per source and rule however many columns cite them.
  const rows = new Map<string, Map<string, number>>();
  const seen: Array<{ source: string; rule: string }> = [];
  for (const change of changes) {
    seen.length = 0;
    for (const list of Object.values(change.evidence)) {
      for (const e of list) if (!seen.some((s) => s.source === e.source && s.rule === e.rule)) seen.push(e);
    }
    for (const { source, rule } of seen) {
      let rules = rows.get(source);
      if (!rules) rows.set(source, (rules = new Map()));
      rules.set(rule, (rules.get(rule) ?? 0) + 1);
    }
  }
  const sorted = [...rows].flatMap(([source, rules]) => [...rules].map(([rule, n]) => [`${source} (${rule})`, n] as const)).sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, 6).map(([origin, n]) => `${origin} ${n}`);
  return `${shown.join(', ')}${sorted.length > 6 ? `, +${sorted.length - 6} more` : ''}` || 'no evidence';
}

function emitSequence(out: SqlFileBuilder, table: TableSummary, max: bigint | undefined): void {
  const seq = table.sequence;
  if (!seq || max === undefined) return;
  out.raw(sqlComment(`move ${seq.schema}.${seq.name} past the highest ${seq.column} written (${max})`));
  out.statement('sequence', table.table, advanceSequence(seq, max), 1);
}

/** Updates, set-based: forward writes the new values guarded by the old; revert the reverse. */
function emitUpdates(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, updates: readonly number[], direction: 'forward' | 'revert', layout: PatchLayout): void {
  const groups = bySignature(updates, (i) => accepted.columnsOf(i, table));
  const key = typed(table, table.primaryKey);
  for (const { columns, ordinals } of groups.values()) {
    const set = typed(table, columns);
    const rowOf = (change: Change) => {
      const newValues = columns.map((c) => own(change.values, c) ?? null);
      const oldValues = columns.map((c) => own(change.old, c) ?? null);
      return {
        key: table.primaryKey.map((c) => own(change.key, c) ?? null),
        values: direction === 'forward' ? newValues : oldValues,
        guards: direction === 'forward' ? oldValues : newValues,
      };
    };
    // A staged row is the same cells in one line: key, new values, guards (keyedStageColumns' order).
    const cellsOf = (change: Change) => {
      const row = rowOf(change);
      return [...row.key, ...row.values, ...row.guards];
    };
    const staged = ordinals.length > layout.stageAbove;
    for (const chunk of chunksOf(ordinals, staged ? layout.stageChunk : UPDATE_CHUNK)) {
      const changes = chunk.map((i) => accepted.get(i));
      const rows = staged
        ? { stage: stageRows(out, table, changes, keyedStageColumns(key, set, set), cellsOf) }
        : changes.map((change) => ({ ...rowOf(change), ...(direction === 'forward' ? { comment: provenance(change) } : {}) }));
      out.statement('update', table.table, setUpdate(table, key, set, set, rows), chunk.length);
    }
  }
}

/** Undo of inserts, set-based: each row goes only while it holds every value the patch wrote. */
function emitRemovals(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, inserts: readonly number[], layout: PatchLayout): void {
  const keyColumns = new Set(table.primaryKey);
  const groups = bySignature(inserts, (i) => accepted.columnsOf(i, table).filter((col) => !keyColumns.has(col)));
  const key = typed(table, table.primaryKey);
  for (const { columns, ordinals } of groups.values()) {
    const guards = typed(table, columns);
    const rowOf = (change: Change) => ({
      key: table.primaryKey.map((c) => own(change.key, c) ?? own(change.values, c) ?? null),
      guards: columns.map((c) => own(change.values, c) ?? null),
    });
    const cellsOf = (change: Change) => {
      const row = rowOf(change);
      return [...row.key, ...row.guards];
    };
    const staged = ordinals.length > layout.stageAbove;
    for (const chunk of chunksOf(ordinals, staged ? layout.stageChunk : UPDATE_CHUNK)) {
      const changes = chunk.map((i) => accepted.get(i));
      const rows = staged ? { stage: stageRows(out, table, changes, keyedStageColumns(key, [], guards), cellsOf) } : changes.map(rowOf);
      out.statement('delete', table.table, setDelete(table, key, guards, rows), chunk.length);
    }
  }
}
