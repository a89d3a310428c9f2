import type pg from 'pg';
import { SafetyRefusal } from '../errors.js';
import { AUDIT_SCHEMA, AUDIT_TABLE_ATTACHMENTS, auditTable } from '../sql/audit-objects.js';
import { CREATE_HISTORY } from '../sql/audit-history.js';

const yes = (v: unknown) => v === true || v === 't' || v === 'true';

/**
 * salvage.salvage_history decides whether a patch is "already applied" and receives
 * an INSERT from the applying role, often a superuser. A role that may only CREATE
 * in the database could make the schema and table first, with a trigger that runs
 * as whoever inserts, or with rows that say a patch was applied. So before any
 * other write the objects are checked (owned by the applying role or a superuser,
 * a plain table, nothing attached) and created if absent, then checked again:
 * another session could have made them in between.
 */
export async function secureAuditObjects(client: pg.Client, database: string): Promise<void> {
  const state = await inspectAuditObjects(client, database);
  if (state === 'complete') return;
  for (const statement of CREATE_HISTORY) await client.query(statement);
  if ((await inspectAuditObjects(client, database)) !== 'complete') throw refusal(database, ['salvage.salvage_history is still missing after creating it']);
}

/**
 * The same checks without writing anything: 'complete' when the history exists and is
 * salvage's, 'missing' when it does not exist yet; a refusal when anything is planted.
 * The key map (salvage.salvage_keys), which patches insert into, is checked the same way.
 */
export async function inspectAuditObjects(client: pg.Client, database: string): Promise<'complete' | 'missing'> {
  const schema = (await client.query<{ owner: string; trusted: unknown }>(AUDIT_SCHEMA)).rows[0];
  if (!schema) return 'missing';
  const problems: string[] = [];
  if (!yes(schema.trusted)) problems.push(`schema salvage is owned by "${schema.owner}", not by the role applying nor a superuser`);
  let table: { oid: string } | undefined;
  for (const name of ['salvage_history', 'salvage_keys'] as const) {
    const found = (await client.query<{ oid: string; kind: string; owner: string; trusted: unknown; row_security: unknown }>(auditTable(name))).rows[0];
    if (name === 'salvage_history') table = found;
    if (!found) continue;
    if (found.kind !== 'r') problems.push(`salvage.${name} is not a plain table (relkind ${found.kind})`);
    if (!yes(found.trusted)) problems.push(`salvage.${name} is owned by "${found.owner}", not by the role applying nor a superuser`);
    if (yes(found.row_security)) problems.push(`salvage.${name} has row-level security enabled`);
    const attached = (await client.query<{ what: string; name: string }>(AUDIT_TABLE_ATTACHMENTS, [found.oid])).rows;
    for (const a of attached) problems.push(`salvage.${name} has ${a.what} ${a.what === 'grant' ? a.name : `"${a.name}"`}`);
  }
  if (problems.length) throw refusal(database, problems);
  return table ? 'complete' : 'missing';
}

function refusal(database: string, problems: string[]): SafetyRefusal {
  return new SafetyRefusal(
    [
      `salvage's audit objects in ${database} are not salvage's own (nothing was written):`,
      ...problems.map((p) => `  ${p}`),
      'A role that can create them can make apply run its code, or say a patch was already applied. Inspect them; once you trust them, ' +
        'make the role that applies (or a superuser) their owner and remove what is attached, or drop the schema salvage and apply again.',
    ].join('\n'),
  );
}
