/**
 * Which database a connection reached, whatever name or address led to it: the
 * cluster's system identifier (fixed at initdb, kept by physical copies) and the
 * database's name and oid within it.
 */
export const SELECT_DATABASE_IDENTITY = `SELECT (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier,
  current_database() AS database,
  (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS database_oid`;
