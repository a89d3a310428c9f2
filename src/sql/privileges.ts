import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';
import { literal } from './literal.js';

/** Whether the connected role could do more damage than a patch needs. */
export const ROLE_ATTRIBUTES = `SELECT current_user AS role, current_database() AS database, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls
  FROM pg_roles r WHERE r.rolname = current_user`;

/** Dangerous rights of the current role on one table (owner can DROP it; TRUNCATE and DELETE remove rows). */
export function tableRights(table: QualifiedName): string {
  const name = literal(quoteQualified(table));
  return `SELECT pg_get_userbyid(c.relowner) = current_user AS owner,
  has_table_privilege(${name}, 'TRUNCATE') AS can_truncate,
  has_table_privilege(${name}, 'DELETE') AS can_delete
  FROM pg_class c WHERE c.oid = ${name}::regclass`;
}

/** The grants a role needs to apply a patch and nothing more. */
export function leastPrivilegeGrants(
  role: string,
  tables: Array<{ table: QualifiedName; insert: string[]; update: string[]; sequence?: QualifiedName; undoDeletes?: boolean }>,
  /** The database, when the patch stages rows in temporary tables (PUBLIC may create them, unless revoked). */
  temporaryOn?: string,
): string[] {
  const r = quoteIdent(role);
  const out: string[] = [];
  if (temporaryOn !== undefined) out.push(`GRANT TEMPORARY ON DATABASE ${quoteIdent(temporaryOn)} TO ${r};`);
  const schemas = new Set(tables.map((t) => t.table.schema));
  for (const schema of schemas) out.push(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${r};`);
  for (const t of tables) {
    const cols = (list: string[]) => list.map(quoteIdent).join(', ');
    // SELECT on the whole table: the drift check and the safety copy read the full rows.
    out.push(`GRANT SELECT ON ${quoteQualified(t.table)} TO ${r};`);
    if (t.insert.length) out.push(`GRANT INSERT (${cols(t.insert)}) ON ${quoteQualified(t.table)} TO ${r};`);
    if (t.update.length) out.push(`GRANT UPDATE (${cols(t.update)}) ON ${quoteQualified(t.table)} TO ${r};`);
    if (t.sequence) out.push(`GRANT SELECT, UPDATE ON SEQUENCE ${quoteQualified(t.sequence)} TO ${r};`);
    // undo removes the rows the patch inserted (each DELETE guarded by every value written); PostgreSQL has no column-level DELETE.
    if (t.undoDeletes) out.push(`GRANT DELETE ON ${quoteQualified(t.table)} TO ${r};  -- for undo: it deletes the rows the patch inserted`);
  }
  out.push(`-- salvage's audit table: GRANT CREATE ON DATABASE <db> TO ${r}; once, or create schema "salvage" for it beforehand.`);
  return out;
}

/** The role the printed grants are for; its password is set out of band, never printed. */
export function createApplyRole(role: string): string {
  return `CREATE ROLE ${quoteIdent(role)} LOGIN;  -- set a password out of band`;
}
