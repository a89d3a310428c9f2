/**
 * The other sessions holding locks on the given tables ($1: their quoted, qualified
 * names): when apply's lock_timeout expires, these are who it was waiting for.
 */
export const SESSIONS_HOLDING_LOCKS = `SELECT DISTINCT a.pid, a.application_name, a.usename AS role, a.state,
  to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since, l.relation::regclass::text AS relation
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.granted AND l.pid <> pg_backend_pid()
    AND l.relation IN (SELECT to_regclass(name) FROM unnest($1::text[]) AS name)
  ORDER BY a.pid`;

/** The server process of this session: whom pg_blocking_pids() is asked about. */
export const SELECT_BACKEND_PID = 'SELECT pg_backend_pid() AS pid';

/**
 * The sessions session $1 is waiting for right now (pg_blocking_pids: holders of the
 * lock it wants, and those queued before it), asked from another connection while it
 * waits. Empty when it is not waiting on a lock.
 */
export const SESSIONS_BLOCKING = `SELECT a.pid, a.application_name, a.usename AS role, a.state,
  to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
  FROM pg_stat_activity a
  WHERE a.pid = ANY (pg_blocking_pids($1::int))
  ORDER BY a.pid`;
