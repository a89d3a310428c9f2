import { randomUUID } from 'node:crypto';
import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { isIntegerColumn } from '../values/normalize.js';

/**
 * Keys the target assigns at apply time. A new row whose key no source proves takes
 * its key inside apply's transaction, from the target itself (its sequence, or its
 * uuid default), never from a number fixed at reconcile time: the live app keeps
 * handing out keys after the restart. Until then the row is named by its change id,
 * and so are the foreign keys of the rows that point at it.
 *
 * Inside reconcile such a reference travels as an ordinary column text, so that
 * grouping, fingerprints and merges treat it as the opaque value it is, marked by a
 * prefix made at random for each run: no record can carry it by chance or on purpose.
 * (Not a NUL byte: packed candidates use NUL to separate their texts.) It is taken out
 * of the values into `keyRefs` before a change is written.
 */
const KEY_REF_PREFIX = `\uE000salvage-key-${randomUUID()}:`;

export function keyRefValue(changeId: string): string {
  return `${KEY_REF_PREFIX}${changeId}`;
}

/** The change id a reference names, or undefined for an ordinary value. */
export function keyRefOf(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && value.startsWith(KEY_REF_PREFIX) ? value.slice(KEY_REF_PREFIX.length) : undefined;
}

/** How the target makes a key: its sequence, or a uuid function its default calls. */
export type KeyGenerator = { kind: 'sequence'; schema: string; name: string } | { kind: 'uuid'; schema: string | null; function: UuidFunction };

/** The uuid defaults salvage can call itself: built in (PostgreSQL 13+) and uuid-ossp's random one. */
const UUID_FUNCTIONS = ['gen_random_uuid', 'uuid_generate_v4'] as const;
export type UuidFunction = (typeof UUID_FUNCTIONS)[number];

/**
 * The generator of a table's single-column primary key, when the target can make one:
 * a sequence behind an integer column (serial, or identity BY DEFAULT: an ALWAYS
 * identity refuses the explicit key a child must be able to follow), or a uuid column
 * whose default is a call of a known random uuid function.
 */
export function keyGeneratorOf(table: CatalogTable): { column: string; generator: KeyGenerator } | undefined {
  if (table.primaryKey.length !== 1) return undefined;
  const column = table.primaryKey[0] as string;
  const meta = table.columns.find((c) => c.name === column);
  if (!meta) return undefined;
  const sequence = table.sequences[column];
  if (sequence && isIntegerColumn(meta) && meta.identity !== 'a') return { column, generator: { kind: 'sequence', schema: sequence.schema, name: sequence.name } };
  const uuid = uuidDefault(meta);
  return uuid ? { column, generator: { kind: 'uuid', ...uuid } } : undefined;
}

function uuidDefault(meta: CatalogColumn): { schema: string | null; function: UuidFunction } | undefined {
  if (meta.typeName !== 'uuid' || meta.default === null) return undefined;
  // pg_get_expr spells it gen_random_uuid() or extensions.uuid_generate_v4(), as the search_path shows it.
  const call = /^(?:([a-z_][a-z0-9_]*)\.)?([a-z_][a-z0-9_]*)\(\)$/.exec(meta.default.trim());
  const fn = UUID_FUNCTIONS.find((f) => f === call?.[2]);
  return fn ? { schema: call?.[1] ?? null, function: fn } : undefined;
}
