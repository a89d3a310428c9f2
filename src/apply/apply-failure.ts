import type pg from 'pg';
import { tableKey } from '../db/catalog.js';
import { ExitCode, PreconditionFailed, SalvageError, UsageError } from '../errors.js';
import { quoteQualified } from '../sql/identifier.js';
import { fileSystemRefusal } from '../file-system-failure.js';
import { SESSIONS_HOLDING_LOCKS } from '../sql/blockers.js';
import { describeSession, type BlockingSession } from './lock-wait.js';
import type { PatchStatement } from './patch-statements.js';

export interface FailureContext {
  client: pg.Client;
  database: string;
  which: 'patch' | 'undo';
  statements: PatchStatement[];
  lockTimeout: string;
  statementTimeout: string;
  /** The sessions apply was seen waiting for (pg_blocking_pids, while it waited); empty if none was seen. */
  waitedFor: BlockingSession[];
}

const CONNECTION_LOST = /Connection terminated|ECONNRESET|EPIPE|ECONNREFUSED|server closed the connection|Client was closed/i;

/**
 * Names what went wrong during apply or undo, with the exit code of its kind, instead of
 * calling everything a lost connection that a re-run fixes. The transaction is rolled back
 * before this runs.
 */
export async function explainApplyFailure(error: unknown, context: FailureContext): Promise<SalvageError> {
  const { database, which } = context;
  const action = which === 'patch' ? 'apply' : 'undo';
  const nothing = 'The transaction was rolled back; nothing was written.';
  const e = error as Partial<pg.DatabaseError> & NodeJS.ErrnoException;
  switch (e.code) {
    case '55P03':
      return new PreconditionFailed(
        `${action} waited longer than lock_timeout (${context.lockTimeout}) for a row or table lock on ${database}. ${nothing}\n` +
          `${await describeBlockers(context)}\n` +
          'Let that session finish (or end it), then run the same command again; apply.lockTimeout in salvage.yaml sets how long to wait.',
      );
    case '57014':
      return new PreconditionFailed(`${action} ran longer than statement_timeout (${context.statementTimeout}) on ${database}. ${nothing} Raise apply.statementTimeout in salvage.yaml, or apply when the database is less busy.`);
    case '42501':
      return new PreconditionFailed(`the role connected to ${database} lacks a right ${action} needs: ${e.message}. ${nothing} "salvage doctor" prints the grants that are enough.`);
    case '22023':
    case '22P02':
      if (/lock_timeout|statement_timeout|invalid value for parameter/.test(e.message ?? '')) {
        return new UsageError(`PostgreSQL refused a timeout from salvage.yaml (apply.lockTimeout "${context.lockTimeout}", apply.statementTimeout "${context.statementTimeout}"): ${e.message}. ${nothing} Use a PostgreSQL duration such as 5s, 500ms or 2min.`);
      }
      break;
  }
  // The safety copy (<job>/pre-apply/) is written inside the transaction: a full disk or a folder it may not write.
  const refused = fileSystemRefusal(error, nothing);
  if (refused) return refused;
  if (typeof e.code === 'string' && /^(08|57P)/.test(e.code)) return connectionLost(e, context);
  if (typeof e.code === 'string' && e.code.length === 5 && !CONNECTION_LOST.test(e.message ?? '')) {
    return new SalvageError(`PostgreSQL refused ${action} on ${database}: ${e.message} (SQLSTATE ${e.code}). ${nothing}`, ExitCode.failure);
  }
  return connectionLost(e, context);
}

function connectionLost(e: Error, { database, which }: FailureContext): SalvageError {
  // A lost connection or a server restart ends the transaction: PostgreSQL rolled it back.
  return new SalvageError(
    `the connection to ${database} failed during ${which === 'patch' ? 'apply' : 'undo'} (${e.message}). ` +
      'The transaction was rolled back by PostgreSQL; nothing was written. Run the same command again.',
  );
}

async function describeBlockers(context: FailureContext): Promise<string> {
  if (context.waitedFor.length) return ['It was waiting for:', ...context.waitedFor.map((s) => `  ${describeSession(s)}`)].join('\n');
  // Too short a wait to be seen: once the wait ended PostgreSQL no longer knows whom it was for; the holders of locks on the tables are the suspects.
  const tables = [...new Set(context.statements.flatMap((s) => ('table' in s ? [quoteQualified(s.table)] : [])))];
  try {
    const rows = (
      await context.client.query<{ pid: number; application_name: string; role: string; state: string; since: string | null; relation: string }>(SESSIONS_HOLDING_LOCKS, [tables])
    ).rows;
    if (rows.length === 0) return 'No other session holds a lock on the patched tables any more.';
    return [
      'Sessions holding locks on the patched tables:',
      ...rows.map((r) => `  pid ${r.pid} "${r.application_name}" (role ${r.role}, ${r.state}, in a transaction since ${r.since ?? 'unknown'}) on ${r.relation}`),
    ].join('\n');
  } catch {
    return `Could not list the sessions holding locks on ${context.statements.filter((s) => 'table' in s).map((s) => ('table' in s ? tableKey(s.table) : '')).join(', ')}.`;
  }
}
