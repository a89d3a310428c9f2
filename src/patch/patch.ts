import { randomUUID } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Changeset, TableSummary } from '../changeset/changeset.js';
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
import { writePatchFiles, type OpenPartial } from './write-patch-files.js';
import { SqlFileBuilder } from './sql-file.js';
import { acceptedInMemory, rowsOf, type AcceptedChanges, type Ordinals } from './accepted-changes.js';
import { acceptedFromFile } from './accepted-file.js';
import type { PatchRow } from './patch-row.js';
import { insertFromStage } from '../sql/staged.js';
import { stageRows } from './stage-rows.js';
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

type PatchOptions = { progress?: Progress; layout?: PatchLayout };

/** Writes patch.sql, undo.sql and manifest.json for the changeset's accepted inserts and updates. */
export async function writePatch(jobDir: string, changesetFile: string, options: PatchOptions = {}): Promise<PatchResult> {
  // A changeset that cannot be reached is named before the patch folder is made: its path is the one to fix.
  await stat(changesetFile).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  const dir = patchDir(jobDir);
  await mkdir(dir, { recursive: true });
  // The SQL goes to the files as it is made: a large patch is never held whole.
  const built = await writePatchFiles(dir, ['patch.sql', 'undo.sql'], async (files) => {
    const patchFile = files.get('patch.sql');
    const undoFile = files.get('undo.sql');
    if (!patchFile || !undoFile) throw new Error('patch.sql and undo.sql were not opened');
    const value = await patchFromFile(jobDir, changesetFile, options, { patch: patchFile, undo: undoFile }, dir);
    return { value, last: [['manifest.json', `${JSON.stringify(value.manifest, null, 2)}\n`]] };
  });
  collectGarbage();
  return { dir, manifest: built.manifest };
}

/**
 * The manifest `writePatch` would write for this changeset and the decisions in `jobDir`,
 * its checksums included, with the SQL only hashed as it is made: nothing is written and
 * no copy of the patch is held.
 */
export async function derivePatchManifest(jobDir: string, changesetFile: string): Promise<PatchManifest> {
  // Its spill goes beside the changeset: apply derives in a scratch folder under the system's temporary one, which may be memory.
  const { manifest } = await patchFromFile(jobDir, changesetFile, {}, 'hash', path.dirname(changesetFile));
  collectGarbage();
  return manifest;
}

/** Where emitPatch puts the two files: kept as text, only hashed, or written to open files. */
type PatchOutput = 'text' | 'hash' | { patch: OpenPartial; undo: OpenPartial };

/** `spillDir`: where the accepted rows of a changeset read as a stream wait, in a file of their own, until the patch is made. */
async function patchFromFile(jobDir: string, changesetFile: string, options: PatchOptions, output: PatchOutput, spillDir: string): Promise<BuiltPatch> {
  const progress = options.progress ?? NO_PROGRESS;
  const layout = options.layout ?? DEFAULT_LAYOUT;
  const decisions = await loadDecisions(jobDir);
  // Read as a stream, whatever its size: one pass, and memory flat. Only a file not in
  // reconcile's layout is read whole; both ways write the same bytes (test/patch/streamed-patch.test.ts).
  const spillFile = path.join(spillDir, `.patch-rows-${randomUUID()}.partial`);
  const streamed = await acceptedFromFile(changesetFile, decisions.decisions, progress, spillFile);
  let built: BuiltPatch;
  try {
    if (streamed) {
      const rows = streamed.accepted;
      const count = streamed.head.tables.reduce((n, t) => n + rows.ordinals(t.table, 'insert').length + rows.ordinals(t.table, 'update').length, 0);
      const building = progress.stage('write patch and undo', count);
      built = emitPatch(streamed.head, rows, streamed.decided, streamed.sha256, sha256(decisions.text), layout, output, streamed.keyedPlan);
      building.add(count);
      building.end();
    } else {
      const { changeset, sha256: changesetSha } = await readChangeset(changesetFile, progress);
      const building = progress.stage('write patch and undo', changeset.changes.length);
      const decided = applyDecisions(changeset, decisions.decisions);
      built = emitPatch(changeset, acceptedInMemory(decided.accepted), decided, changesetSha, sha256(decisions.text), layout, output);
      building.add(changeset.changes.length);
      building.end();
    }
  } finally {
    streamed?.close();
  }
  return built;
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
  output: PatchOutput = 'text',
  keyedPlan?: KeyedPlan,
): BuiltPatch {
  const counts: PatchManifest['counts'] = {};
  const plan = keyedPlan ?? KeyedPlan.of(changeset.tables, accepted);
  const refs = keyRefNames(plan);
  const patch = new SqlFileBuilder(typeof output === 'string' ? output : output.patch);
  const undo = new SqlFileBuilder(typeof output === 'string' ? output : output.undo);
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
    emitKeyedRemovals(undo, table, accepted, plan, refs, layout);
    emitRemovals(undo, table, accepted, plan.plain(table.table, inserts, accepted), layout);
  }
  forgetKeys(undo, changeset.tables, accepted, plan, refs, layout);

  patch.raw(`\n${PATCH_COMMIT}`);
  undo.raw(`\n${PATCH_COMMIT}`);
  // The text is empty unless kept in memory (buildPatch): written to files, or only hashed.
  const { sha256: patchSha, text: patchSql } = patch.end();
  const { sha256: undoSha, text: undoSql } = undo.end();
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
      backup: {
        database: changeset.backup.database,
        ...(changeset.backup.identity ? { identity: changeset.backup.identity } : {}),
        ...(changeset.backup.rows ? { rows: changeset.backup.rows } : {}),
      },
      ...(changeset.target ? { target: { database: changeset.target.database, ...(changeset.target.identity ? { identity: changeset.target.identity } : {}) } } : {}),
      patch: { file: 'patch.sql', sha256: patchSha, statements: patch.statements },
      undo: { file: 'undo.sql', sha256: undoSha, statements: undo.statements },
      counts,
      withheld,
      decisions: { sha256: decisionsSha, stale: decided.stale.concat(decided.problems) },
      ...(plan.withheld.length ? { parentNotWritten: plan.withheld } : {}),
    },
  };
}

function emitInserts(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, all: Ordinals, layout: PatchLayout, plan: KeyedPlan, refs: KeyRefNames): void {
  emitKeyedInserts(out, table, accepted, plan, refs, layout);
  const inserts = plan.plain(table.table, all, accepted);
  if (inserts.length === 0) return;
  if (inserts.length > layout.stageAbove) {
    for (const { columns, ordinals } of bySignature(inserts, (i) => accepted.columnsOf(i, table)).values()) {
      for (const chunk of chunksOf(ordinals, layout.stageChunk)) {
        const stage = stageRows(out, table, accepted, chunk, columns.map((c) => ({ name: c, from: c })), (i) => {
          const row = accepted.get(i);
          return columns.map((c) => own(row.values, c) ?? null);
        });
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

function emitSequence(out: SqlFileBuilder, table: TableSummary, max: bigint | undefined): void {
  const seq = table.sequence;
  if (!seq || max === undefined) return;
  out.raw(sqlComment(`move ${seq.schema}.${seq.name} past the highest ${seq.column} written (${max})`));
  out.statement('sequence', table.table, advanceSequence(seq, max), 1);
}

/** Updates, set-based: forward writes the new values guarded by the old; revert the reverse. */
function emitUpdates(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, updates: Ordinals, direction: 'forward' | 'revert', layout: PatchLayout): void {
  const groups = bySignature(updates, (i) => accepted.columnsOf(i, table));
  const key = typed(table, table.primaryKey);
  for (const { columns, ordinals } of groups.values()) {
    const set = typed(table, columns);
    const rowOf = (change: PatchRow) => {
      const newValues = columns.map((c) => own(change.values, c) ?? null);
      const oldValues = columns.map((c) => own(change.old, c) ?? null);
      return {
        key: table.primaryKey.map((c) => own(change.key, c) ?? null),
        values: direction === 'forward' ? newValues : oldValues,
        guards: direction === 'forward' ? oldValues : newValues,
      };
    };
    // A staged row is the same cells in one line: key, new values, guards (keyedStageColumns' order).
    const cellsOf = (change: PatchRow) => {
      const row = rowOf(change);
      return [...row.key, ...row.values, ...row.guards];
    };
    const staged = ordinals.length > layout.stageAbove;
    for (const chunk of chunksOf(ordinals, staged ? layout.stageChunk : UPDATE_CHUNK)) {
      const rows = staged
        ? { stage: stageRows(out, table, accepted, chunk, keyedStageColumns(key, set, set), (i) => cellsOf(accepted.get(i))) }
        : [...rowsOf(accepted, chunk)].map((change) => ({ ...rowOf(change), ...(direction === 'forward' ? { comment: provenance(change) } : {}) }));
      out.statement('update', table.table, setUpdate(table, key, set, set, rows), chunk.length);
    }
  }
}

/** Undo of inserts, set-based: each row goes only while it holds every value the patch wrote. */
function emitRemovals(out: SqlFileBuilder, table: TableSummary, accepted: AcceptedChanges, inserts: Ordinals, layout: PatchLayout): void {
  const keyColumns = new Set(table.primaryKey);
  const guarded = new Map<readonly string[], string[]>();
  const groups = bySignature(inserts, (i) => {
    const given = accepted.columnsOf(i, table);
    let columns = guarded.get(given);
    if (!columns) guarded.set(given, (columns = given.filter((col) => !keyColumns.has(col))));
    return columns;
  });
  const key = typed(table, table.primaryKey);
  for (const { columns, ordinals } of groups.values()) {
    const guards = typed(table, columns);
    const rowOf = (change: PatchRow) => ({
      key: table.primaryKey.map((c) => own(change.key, c) ?? own(change.values, c) ?? null),
      guards: columns.map((c) => own(change.values, c) ?? null),
    });
    const cellsOf = (change: PatchRow) => {
      const row = rowOf(change);
      return [...row.key, ...row.guards];
    };
    const staged = ordinals.length > layout.stageAbove;
    for (const chunk of chunksOf(ordinals, staged ? layout.stageChunk : UPDATE_CHUNK)) {
      const rows = staged ? { stage: stageRows(out, table, accepted, chunk, keyedStageColumns(key, [], guards), (i) => cellsOf(accepted.get(i))) } : [...rowsOf(accepted, chunk)].map(rowOf);
      out.statement('delete', table.table, setDelete(table, key, guards, rows), chunk.length);
    }
  }
}
