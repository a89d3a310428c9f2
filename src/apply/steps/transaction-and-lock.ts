import type pg from 'pg';
import { SafetyRefusal } from '../../errors.js';
import { APPLY_BEGIN, APPLY_NO_JIT, setLocal, TRY_APPLY_LOCK } from '../../sql/apply-session.js';
import { SELECT_BACKEND_PID } from '../../sql/blockers.js';
import { describeSession, LockWaitWatch } from '../lock-wait.js';
import type { ApplyStep } from './apply-run.js';

/**
 * One transaction, with its timeouts set for it alone, under an advisory lock that a
 * second apply or undo on the same database cannot take.
 */
export const transactionAndLock: ApplyStep = {
  name: 'Takes one transaction and one lock',
  async run(run) {
    const { client, database } = run;
    await client.query(APPLY_BEGIN);
    run.watch = await watchLockWaits(client, run.options.target.url, database, run.lockTimeout, run.log);
    run.inTransaction = true;
    await client.query(setLocal('standard_conforming_strings', 'on'));
    await client.query(setLocal('TimeZone', 'UTC'));
    await client.query(setLocal('lock_timeout', run.lockTimeout));
    await client.query(setLocal('statement_timeout', run.statementTimeout));
    await client.query(APPLY_NO_JIT);
    const locked = (await client.query<{ locked: unknown }>(TRY_APPLY_LOCK)).rows[0]?.locked;
    if (locked !== true && locked !== 't' && locked !== 'true') {
      throw new SafetyRefusal(`another salvage apply or undo is running on ${database} right now. Nothing was written; wait for it to finish and run this again.`);
    }
    return 'next';
  },
};

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
