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
