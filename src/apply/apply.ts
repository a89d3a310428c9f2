import path from 'node:path';
import type pg from 'pg';
import { readCatalog, tableKey } from '../db/catalog.js';
import { connectDatabase } from '../db/connect.js';
import { PreconditionFailed, SafetyRefusal, SalvageError } from '../errors.js';
import { countedKind, writesRows, type PatchManifest, type StatementEntry } from '../patch/manifest.js';
import { CREATE_KEY_MAP } from '../sql/key-map.js';
import { APPLY_BEGIN, APPLY_COMMIT, APPLY_ROLLBACK, SELECT_CURRENT_DATABASE, setLocal, TRY_APPLY_LOCK } from '../sql/apply-session.js';
import { checkDrift } from './drift.js';
import { fillStage } from './fill-stage.js';
import { postgresRefusal } from './postgres-refusal.js';
import { lastAction, recordAction } from './applied-history.js';
import { readPatchStatements, type PatchStatement } from './patch-statements.js';
import { checkPrivileges } from './privileges.js';
import { writeSafetyCopy } from './safety-copy.js';
import { requireRecordedUndo } from './undo-integrity.js';
import { refuseBackupAsTarget, refuseOtherTarget } from './database-identity.js';
import { inspectAuditObjects, secureAuditObjects } from './audit-objects.js';
import { checkBeforeSequenceMoves } from './sequence-moves.js';
import { explainApplyFailure } from './apply-failure.js';
import { driftAdvice } from './drift-advice.js';
import { requireWrittenAsPatch, warnAboutTriggers } from './read-back.js';
import { requireReviewedPatch, type ReviewedInputs } from './reviewed-changeset.js';
import { readDatabaseIdentity } from '../db/identity.js';
import { describeSession, LockWaitWatch } from './lock-wait.js';
import { SELECT_BACKEND_PID } from '../sql/blockers.js';
import { readVerifiedPatch } from './verify-patch.js';
import { StageTimer, type StageTiming } from '../runtime/stage-timer.js';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';

export interface ApplyOptions {
  /** The patch directory written by `salvage patch`. */
  patchDir: string;
  /** Where the safety copy goes (`<job>/pre-apply/`); defaults to the patch directory's parent. */
  jobDir?: string;
  target: { url?: string; embeddedDir: string };
  /** Which file to run: the patch, or its undo. */
  which?: 'patch' | 'undo';
  /** Run everything, check every count, then roll back. */
  dryRun?: boolean;
  /** Must equal the target's current_database() (or `name@host`). */
  confirm?: string;
  /** On a terminal: ask the user to type the database name. Absent when not interactive. */
  ask?: (question: string) => Promise<string>;
  /** Who is applying (an agent's name, a ticket); recorded in salvage.salvage_history. */
  actor?: string;
  lockTimeout?: string;
  statementTimeout?: string;
  log?: (line: string) => void;
  /** Progress of checking the patch and writing its rows (the CLI draws it on a terminal). */
  progress?: Progress;
  /** Write even when the target is the database reconcile read as the backup. */
  intoBackup?: boolean;
  /** Write even when the target is not the database reconcile compared with (the patch names it). */
  allowOtherTarget?: boolean;
  /** The reviewed changeset and decisions: when given, the patch must be exactly what they derive to (the CLI always gives them). */
  reviewed?: ReviewedInputs;
}

export interface ApplyResult {
  database: string;
  which: 'patch' | 'undo';
  dryRun: boolean;
  committed: boolean;
  /** The history says this was already done: nothing ran. */
  alreadyDone?: string;
  statements: number;
  rows: Record<string, Record<string, number>>;
  /** Where the rows were saved before writing. */
  safetyCopy?: string;
  privilegeWarnings: string[];
  /** Wall time of each step, for --timings and the benchmark. */
  timings: StageTiming[];
}

const MAX_DRIFTS_SHOWN = 20;

/**
 * The only writer. A verified patch, checked statement by statement against the
 * forms salvage writes, runs in one transaction on the target under an advisory
 * lock, after a drift check, with every row count checked against the manifest;
 * it commits (with an audit row) only if everything matches.
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const which = options.which ?? 'patch';
  const log = options.log ?? (() => undefined);
  const timer = new StageTimer();
  const { timings } = timer;
  const lap = (stage: string, rows: number) => timer.lap(stage, rows);
  const verified = await readVerifiedPatch(options.patchDir, which);
  if (which === 'patch' && options.reviewed) await requireReviewedPatch(verified.manifest, options.reviewed);
  const file = path.join(options.patchDir, which === 'patch' ? 'patch.sql' : 'undo.sql');
  const entries = which === 'patch' ? verified.manifest.patch.statements : verified.manifest.undo.statements;
  const progress = options.progress ?? NO_PROGRESS;
  const checking = progress.stage(`check ${which === 'patch' ? 'patch' : 'undo'}.sql`, verified.sql.length, 'bytes');
  const statements = await readPatchStatements(verified.sql, file, which, (bytes) => checking.add(bytes));
  checking.end();
  verified.sql = Buffer.alloc(0); // the statements hold their own text now
  const work = pairWithManifest(statements, entries, file);
  lap('verify and parse patch', work.length);

  const db = await connectDatabase({ url: options.target.url, embeddedDir: options.target.embeddedDir, applicationName: `salvage ${which}` });
  try {
    const who = (await db.client.query<{ name: string; role: string }>(SELECT_CURRENT_DATABASE)).rows[0];
    const database = who?.name ?? db.database;
    const identity = await readDatabaseIdentity(db.client, options.target.url === undefined ? options.target.embeddedDir : undefined);
    refuseBackupAsTarget(verified.manifest, identity, options.intoBackup ?? false);
    if (which === 'patch') refuseOtherTarget(verified.manifest, identity, options.allowOtherTarget ?? false);
    const rows: ApplyResult['rows'] = {};
    // Said before the typed confirmation: nobody should type a database's name for a no-op.
    // (Checked again under the lock below, for an apply that commits in between.) A history
    // that is not salvage's own is refused here, before anything reads it.
    const doneBefore = (await inspectAuditObjects(db.client, database)) === 'complete' ? await alreadyDone(db.client, verified.manifest, which, database) : undefined;
    if (doneBefore) return { database, which, dryRun: options.dryRun ?? false, committed: false, alreadyDone: doneBefore, statements: 0, rows, privilegeWarnings: [], timings };
    await confirmTarget(database, targetHost(options.target.url), options);

    await db.client.query(APPLY_BEGIN);
    let committed = false;
    const watch = await watchLockWaits(db.client, options.target.url, database, options.lockTimeout ?? '5s', log);
    try {
      await db.client.query(setLocal('standard_conforming_strings', 'on'));
      await db.client.query(setLocal('TimeZone', 'UTC'));
      await db.client.query(setLocal('lock_timeout', options.lockTimeout ?? '5s'));
      await db.client.query(setLocal('statement_timeout', options.statementTimeout ?? '5min'));
      const locked = (await db.client.query<{ locked: unknown }>(TRY_APPLY_LOCK)).rows[0]?.locked;
      if (locked !== true && locked !== 't' && locked !== 'true') {
        throw new SafetyRefusal(`another salvage apply or undo is running on ${database} right now. Nothing was written; wait for it to finish and run this again.`);
      }

      // Before the history is read or anything is written: a planted history could lie, or run code.
      await secureAuditObjects(db.client, database);
      const done = await alreadyDone(db.client, verified.manifest, which, database);
      if (done) {
        await db.client.query(APPLY_ROLLBACK);
        return { database, which, dryRun: options.dryRun ?? false, committed: false, alreadyDone: done, statements: 0, rows, privilegeWarnings: [], timings };
      }

      const catalog = await readCatalog(db.client);
      const privileges = await checkPrivileges(db.client, catalog, statements);
      for (const warning of privileges.warnings) log(`warning: ${warning} (see "salvage doctor" for the grants of a role that can only do what the patch does)`);
      await warnAboutTriggers(db.client, statements, log);

      // Keys the target makes at apply time go into salvage's key map, created in this transaction.
      if (statements.some((st) => st.kind === 'keys')) for (const ddl of CREATE_KEY_MAP) await db.client.query(ddl);
      lap('lock and privileges', 0);
      const drift = await checkDrift(db.client, catalog, statements, file);
      lap('drift check', drift.current.length);
      if (drift.drifts.length) {
        const shown = drift.drifts.slice(0, MAX_DRIFTS_SHOWN).map((d) => `  ${d}`);
        const more = drift.drifts.length > MAX_DRIFTS_SHOWN ? [`  ... and ${drift.drifts.length - MAX_DRIFTS_SHOWN} more`] : [];
        throw new PreconditionFailed(
          [`${drift.drifts.length} row(s) of ${database} changed since the ${which === 'patch' ? 'changeset was made' : 'patch was applied'} (nothing was written):`, ...shown, ...more, driftAdvice(which)].join('\n'),
        );
      }

      let safetyCopy: string | undefined;
      if (!options.dryRun) {
        safetyCopy = await writeSafetyCopy(options.jobDir ?? path.dirname(options.patchDir), options.patchDir, which, drift, statements);
        log(`saved the current state of ${drift.current.length} row(s) to ${safetyCopy}`);
        lap('safety copy', drift.current.length);
      }

      const writing = progress.stage('write rows', work.reduce((n, w) => n + (writesRows(w.entry.kind) ? w.entry.expectedRows : 0), 0));
      // COPY FROM STDIN cannot cross the embedded database's socket: there the staged rows go in as VALUES.
      const copyIn = options.target.url !== undefined;
      // setval() survives a rollback: the moves run last, once nothing else can fail (a dry run never runs them).
      const sequenceMoves = work.filter((w) => w.statement.kind === 'sequence');
      const runWork = async ({ statement, entry }: (typeof work)[number]) => {
        const count = statement.kind === 'copy' ? await fillStage(db.client, statement, entry, file, copyIn) : await runStatement(db.client, statement, entry, file);
        if (count !== entry.expectedRows) {
          throw new PreconditionFailed(
            `${file}:${statement.line}: this ${entry.kind} on ${entry.table} touched ${count} row(s), the patch expects ${entry.expectedRows}. ` +
              'The target no longer looks like what the changeset saw. Everything was rolled back; nothing was written. ' +
              'Re-run reconcile and patch against the current state.',
          );
        }
        if (!writesRows(entry.kind)) return;
        const perTable = (rows[entry.table] ??= {});
        const kind = countedKind(entry.kind);
        perTable[kind] = (perTable[kind] ?? 0) + count;
        writing.add(count);
      };
      for (const w of work) if (w.statement.kind !== 'sequence') await runWork(w);
      lap('write rows', writtenRows(rows));
      await requireWrittenAsPatch(db.client, catalog, statements, file, database, drift.current);
      lap('read back', writtenRows(rows));
      await checkBeforeSequenceMoves(db.client, sequenceMoves.map((w) => w.statement as Extract<PatchStatement, { kind: 'sequence' }>), file);
      if (!options.dryRun) {
        // The audit row records the moves' counts before they run: a failed insert must not follow a setval.
        await recordAction(db.client, verified.manifest, which === 'patch' ? 'apply' : 'undo', options.actor, withExpectedMoves(rows, sequenceMoves));
        for (const w of sequenceMoves) await runWork(w);
      }
      writing.end();
      lap('sequences and history', sequenceMoves.length);
      if (options.dryRun) {
        await db.client.query(APPLY_ROLLBACK);
      } else {
        await db.client.query(APPLY_COMMIT);
        committed = true;
        lap('commit', 0);
      }
      return { database, which, dryRun: options.dryRun ?? false, committed, statements: work.length, rows, safetyCopy, privilegeWarnings: privileges.warnings, timings };
    } catch (error) {
      if (!committed) await db.client.query(APPLY_ROLLBACK).catch(() => undefined);
      if (error instanceof SalvageError) throw error;
      throw await explainApplyFailure(error, {
        client: db.client,
        database,
        which,
        statements,
        lockTimeout: options.lockTimeout ?? '5s',
        statementTimeout: options.statementTimeout ?? '5min',
        waitedFor: watch?.blockers ?? [],
      });
    } finally {
      await watch?.stop();
    }
  } finally {
    await db.close();
  }
}

/**
 * On a server (not the embedded database, which takes one connection), a second
 * connection says whom apply waits for while it waits on a lock.
 */
async function watchLockWaits(client: pg.Client, url: string | undefined, database: string, lockTimeout: string, log: (line: string) => void): Promise<LockWaitWatch | undefined> {
  if (url === undefined) return undefined;
  const pid = (await client.query<{ pid: number }>(SELECT_BACKEND_PID)).rows[0]?.pid;
  if (pid === undefined) return undefined;
  return new LockWaitWatch(url, pid, (blockers) => {
    log(`waiting for a lock on ${database}, held by:`);
    for (const b of blockers) log(`  ${describeSession(b)}`);
    log(`  (apply waits up to lock_timeout, ${lockTimeout}, then rolls back and writes nothing)`);
  });
}

function writtenRows(rows: ApplyResult['rows']): number {
  return Object.values(rows).reduce((n, t) => n + Object.values(t).reduce((a, b) => a + b, 0), 0);
}

/** The counts as they will be once the sequence moves ran, each touching the one row its manifest entry expects. */
function withExpectedMoves(rows: ApplyResult['rows'], moves: Array<{ entry: StatementEntry }>): ApplyResult['rows'] {
  const all = structuredClone(rows);
  for (const { entry } of moves) {
    const perTable = (all[entry.table] ??= {});
    perTable[entry.kind] = (perTable[entry.kind] ?? 0) + entry.expectedRows;
  }
  return all;
}

/** Every data statement of the file, paired with the manifest entry that says how many rows it must touch. */
function pairWithManifest(statements: PatchStatement[], entries: StatementEntry[], file: string): Array<{ statement: PatchStatement; entry: StatementEntry }> {
  const data = statements.filter((s) => s.kind !== 'control');
  const mismatch = (why: string) =>
    new SafetyRefusal(`${file}: ${why}; the manifest does not describe this file. Nothing was written. Re-run "salvage patch".`);
  if (data.length !== entries.length) throw mismatch(`${data.length} statements, manifest lists ${entries.length}`);
  return data.map((statement, i) => {
    const entry = entries[i] as StatementEntry;
    const table = 'table' in statement ? tableKey(statement.table) : entry.table;
    const rowsInStatement = statement.kind === 'sequence' ? 1 : statement.kind === 'stage' ? 0 : statement.rows.length;
    if (entry.kind !== statement.kind || entry.table !== table || entry.expectedRows !== rowsInStatement || entry.startLine !== statement.line) {
      throw mismatch(`statement at line ${statement.line} is a ${statement.kind} of ${rowsInStatement} row(s) on ${table}, manifest entry ${i + 1} says ${entry.kind} of ${entry.expectedRows} on ${entry.table} at line ${entry.startLine}`);
    }
    return { statement, entry };
  });
}

async function alreadyDone(client: pg.Client, manifest: PatchManifest, which: 'patch' | 'undo', database: string): Promise<string | undefined> {
  const last = await lastAction(client, manifest);
  if (which === 'patch' && last?.action === 'apply') {
    return `patch ${manifest.id} was already applied to ${database} at ${last.applied_at} by ${last.actor ?? last.os_user}@${last.host}; nothing to do`;
  }
  if (which === 'undo' && last?.action !== 'apply') {
    throw new PreconditionFailed(
      `patch ${manifest.id} is not applied on ${database} (${last ? `it was undone at ${last.applied_at}` : 'no salvage history of it'}); there is nothing to undo. Nothing was written.`,
    );
  }
  if (which === 'undo' && last) requireRecordedUndo(last, manifest, database);
  return undefined;
}

function targetHost(url: string | undefined): string {
  if (!url) return 'embedded';
  try {
    return new URL(url).hostname || 'localhost';
  } catch {
    return 'unknown';
  }
}

/** Typed confirmation: the user (or the agent) must name the database that is about to be written. */
async function confirmTarget(database: string, host: string, options: ApplyOptions): Promise<void> {
  const expected = `${database}@${host}`;
  const fix = `pass --confirm ${database} (or --confirm ${expected})`;
  if (options.confirm !== undefined) {
    const [name, confirmHost] = options.confirm.split('@');
    if (name !== database || (confirmHost !== undefined && confirmHost !== host)) {
      throw new SafetyRefusal(`--confirm ${options.confirm} does not name the target, which is ${expected}. Nothing was written; ${fix}.`);
    }
    return;
  }
  if (!options.ask) {
    throw new SafetyRefusal(`refusing to write to ${expected} without confirmation in a non-interactive shell. Nothing was written; ${fix}.`);
  }
  const answer = (await options.ask(`Type the name of the target database (${database}) to ${options.dryRun ? 'dry-run' : 'apply'} the patch: `)).trim();
  if (answer !== database && answer !== expected) {
    throw new SafetyRefusal(`"${answer}" is not ${database}. Nothing was written.`);
  }
}

async function runStatement(client: pg.Client, statement: PatchStatement, entry: StatementEntry, file: string): Promise<number> {
  try {
    const result = await client.query(statement.text);
    return result.rowCount ?? 0;
  } catch (error) {
    const where = locate(statement.text, (error as pg.DatabaseError).position, statement.line);
    throw postgresRefusal(`${file}:${where.line}:${where.column}`, `this ${entry.kind} on ${entry.table}`, error);
  }
}

/** Maps PostgreSQL's 1-based character position inside a statement to file line:column. */
export function locate(statement: string, position: string | undefined, startLine: number): { line: number; column: number } {
  const offset = position ? Number(position) - 1 : 0;
  const before = [...statement].slice(0, Math.max(0, offset)).join('');
  const lines = before.split('\n');
  return { line: startLine + lines.length - 1, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}
