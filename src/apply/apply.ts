import path from 'node:path';
import type pg from 'pg';
import { connectDatabase } from '../db/connect.js';
import { PreconditionFailed, SafetyRefusal, SalvageError } from '../errors.js';
import type { StatementEntry } from '../patch/manifest.js';
import { APPLY_BEGIN, APPLY_COMMIT, APPLY_ROLLBACK, SELECT_CURRENT_DATABASE, setLocal } from '../sql/apply-session.js';
import { readVerifiedPatch } from './verify-patch.js';

export interface ApplyOptions {
  /** The patch directory written by `salvage patch`. */
  patchDir: string;
  target: { url?: string; embeddedDir: string };
  /** Which file to run: the patch, or its undo. */
  which?: 'patch' | 'undo';
  /** Run everything, check every count, then roll back. */
  dryRun?: boolean;
  /** Must equal the target's current_database() (or `name@host`). */
  confirm?: string;
  /** On a terminal: ask the user to type the database name. Absent when not interactive. */
  ask?: (question: string) => Promise<string>;
  lockTimeout?: string;
  statementTimeout?: string;
  log?: (line: string) => void;
}

export interface ApplyResult {
  database: string;
  which: 'patch' | 'undo';
  dryRun: boolean;
  committed: boolean;
  statements: number;
  rows: Record<string, Record<string, number>>;
}

/**
 * The only writer. Runs a verified patch in one transaction on the target,
 * checks every statement's row count against the manifest, and commits only if
 * all of them match (or rolls back for a dry run).
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const which = options.which ?? 'patch';
  const log = options.log ?? (() => undefined);
  const verified = await readVerifiedPatch(options.patchDir);
  const sql = which === 'patch' ? verified.patchSql : verified.undoSql;
  const entries = which === 'patch' ? verified.manifest.patch.statements : verified.manifest.undo.statements;
  const file = path.join(options.patchDir, which === 'patch' ? 'patch.sql' : 'undo.sql');

  const db = await connectDatabase({ url: options.target.url, embeddedDir: options.target.embeddedDir, applicationName: `salvage ${which}` });
  try {
    const database = (await db.client.query<{ name: string }>(SELECT_CURRENT_DATABASE)).rows[0]?.name ?? db.database;
    await confirmTarget(database, targetHost(options.target.url), options);

    const lines = sql.split('\n');
    const rows: ApplyResult['rows'] = {};
    await db.client.query(APPLY_BEGIN);
    let committed = false;
    try {
      await db.client.query(setLocal('standard_conforming_strings', 'on'));
      await db.client.query(setLocal('TimeZone', 'UTC'));
      await db.client.query(setLocal('lock_timeout', options.lockTimeout ?? '5s'));
      await db.client.query(setLocal('statement_timeout', options.statementTimeout ?? '5min'));
      for (const entry of entries) {
        const text = lines.slice(entry.startLine - 1, entry.endLine).join('\n');
        const count = await runStatement(db.client, text, entry, file);
        if (count !== entry.expectedRows) {
          throw new PreconditionFailed(
            `${file}:${entry.startLine}: this ${entry.kind} on ${entry.table} touched ${count} row(s), the patch expects ${entry.expectedRows}. ` +
              'The target no longer looks like what the changeset saw (a row was added or changed since). ' +
              'Everything was rolled back; nothing was written. Re-run reconcile and patch against the current state.',
          );
        }
        const perTable = (rows[entry.table] ??= {});
        perTable[entry.kind] = (perTable[entry.kind] ?? 0) + count;
      }
      if (options.dryRun) {
        await db.client.query(APPLY_ROLLBACK);
        log(`dry run on ${database}: every statement ran and matched its expected count; rolled back, nothing was written`);
      } else {
        await db.client.query(APPLY_COMMIT);
        committed = true;
        log(`${which} committed on ${database}`);
      }
    } catch (error) {
      await db.client.query(APPLY_ROLLBACK).catch(() => undefined);
      throw error;
    }
    return { database, which, dryRun: options.dryRun ?? false, committed, statements: entries.length, rows };
  } finally {
    await db.close();
  }
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

async function runStatement(client: pg.Client, text: string, entry: StatementEntry, file: string): Promise<number> {
  try {
    const result = await client.query(text);
    return result.rowCount ?? 0;
  } catch (error) {
    const e = error as pg.DatabaseError;
    const where = locate(text, e.position, entry.startLine);
    throw new SalvageError(
      `${file}:${where.line}:${where.column}: PostgreSQL refused this ${entry.kind} on ${entry.table}: ${e.message}${e.detail ? ` (${e.detail})` : ''}. ` +
        'Everything was rolled back; nothing was written.',
    );
  }
}

/** Maps PostgreSQL's 1-based character position inside a statement to file line:column. */
export function locate(statement: string, position: string | undefined, startLine: number): { line: number; column: number } {
  const offset = position ? Number(position) - 1 : 0;
  const before = [...statement].slice(0, Math.max(0, offset)).join('');
  const lines = before.split('\n');
  return { line: startLine + lines.length - 1, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}
