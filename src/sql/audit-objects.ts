/**
 * Catalog reads that say whether salvage's audit objects (schema `salvage`, table
 * `salvage.salvage_history`) are salvage's: who owns them, and whether anything
 * that would run code or let another role write rows is attached. Each takes no
 * parameters but the names below; "trusted" means owned by the applying role or by
 * a superuser, the only roles that may already run code as the applying role.
 */
const TRUSTED_OWNER = (owner: string) =>
  `(${owner} = (SELECT oid FROM pg_roles WHERE rolname = current_user) OR (SELECT rolsuper FROM pg_roles WHERE oid = ${owner}))`;

export const AUDIT_SCHEMA = `SELECT n.oid::text AS oid, pg_get_userbyid(n.nspowner) AS owner, ${TRUSTED_OWNER('n.nspowner')} AS trusted
  FROM pg_namespace n WHERE n.nspname = 'salvage'`;

/** One of salvage's own tables: the history, or the key map of keys made at apply time. */
export type SalvageTable = 'salvage_history' | 'salvage_keys';

export function auditTable(name: SalvageTable): string {
  return `SELECT c.oid::text AS oid, c.relkind::text AS kind, pg_get_userbyid(c.relowner) AS owner, ${TRUSTED_OWNER('c.relowner')} AS trusted,
  c.relrowsecurity AS row_security
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'salvage' AND c.relname = '${name}'`;
}

/** What is attached to the table ($1: its oid): anything here runs code, or lets other roles write. */
export const AUDIT_TABLE_ATTACHMENTS = `SELECT 'trigger' AS what, tgname::text AS name FROM pg_trigger WHERE tgrelid = $1::oid AND NOT tgisinternal
UNION ALL SELECT 'rule', rulename::text FROM pg_rewrite WHERE ev_class = $1::oid
UNION ALL SELECT 'policy', polname::text FROM pg_policy WHERE polrelid = $1::oid
UNION ALL SELECT 'grant', (CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END) || ' may ' || a.privilege_type
  FROM pg_class c, aclexplode(c.relacl) a
  WHERE c.oid = $1::oid AND a.grantee <> c.relowner AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES')
UNION ALL SELECT 'child table', inhrelid::regclass::text FROM pg_inherits WHERE inhparent = $1::oid`;
