import type pg from 'pg';
import { tableKey } from '../db/catalog.js';
import { findExactTable } from '../db/table-names.js';
import type { Catalog } from '../db/catalog-types.js';
import { leastPrivilegeGrants, ROLE_ATTRIBUTES, tableRights } from '../sql/privileges.js';
import type { PatchStatement } from './patch-statements.js';

export interface PrivilegeReport {
  role: string;
  warnings: string[];
  grants: string[];
}

const yes = (v: unknown) => v === true || v === 't' || v === 'true';

/**
 * Least privilege: a role that can DROP, TRUNCATE or DELETE the patched tables
 * (or a superuser) turns any mistake into a disaster. Says so, and prints the
 * grants of a role that can only do what the patch does.
 */
export async function checkPrivileges(client: pg.Client, catalog: Catalog, statements: PatchStatement[]): Promise<PrivilegeReport> {
  const attrs = (await client.query<{ role: string; database: string; superuser: unknown }>(ROLE_ATTRIBUTES)).rows[0];
  const role = attrs?.role ?? 'unknown';
  const warnings: string[] = [];
  if (yes(attrs?.superuser)) warnings.push(`the role "${role}" is a superuser: it can do anything to this database`);

  const needs = new Map<string, { insert: Set<string>; update: Set<string> }>();
  const need = (schema: string, name: string) => {
    const k = JSON.stringify([schema, name]);
    let n = needs.get(k);
    if (!n) needs.set(k, (n = { insert: new Set(), update: new Set() }));
    return n;
  };
  for (const s of statements) {
    if (s.kind === 'insert' || s.kind === 'keyed-insert') s.columns.forEach((c) => need(s.table.schema, s.table.name).insert.add(c));
    // From the statement, not its rows: a staged block's rows are decoded only where one is read.
    if (s.kind === 'update') s.setColumns.forEach((c) => need(s.table.schema, s.table.name).update.add(c));
  }
  const grants: Parameters<typeof leastPrivilegeGrants>[1] = [];
  for (const [name, n] of needs) {
    const [schema, table_] = JSON.parse(name) as [string, string];
    const table = findExactTable(catalog, schema, table_);
    if (!table) continue;
    const rights = (await client.query<{ owner: unknown; can_truncate: unknown; can_delete: unknown }>(tableRights(table))).rows[0];
    // DELETE on a table the patch inserts into is what undo needs (doctor grants it); elsewhere it is only danger.
    const undoDeletes = n.insert.size > 0;
    const dangers = [yes(rights?.owner) && 'owns it (can DROP or ALTER it)', yes(rights?.can_truncate) && 'can TRUNCATE it', !undoDeletes && yes(rights?.can_delete) && 'can DELETE from it'].filter(Boolean);
    if (dangers.length) warnings.push(`the role "${role}" ${dangers.join(', ')}: ${tableKey(table)}`);
    const pk = table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
    grants.push({
      table,
      insert: [...n.insert],
      update: [...n.update],
      ...(pk && table.sequences[pk] ? { sequence: table.sequences[pk] } : {}),
      undoDeletes,
    });
  }
  const stages = statements.some((s) => s.kind === 'stage');
  return { role, warnings, grants: leastPrivilegeGrants('salvage_apply', grants, stages ? (attrs?.database ?? '') : undefined) };
}
