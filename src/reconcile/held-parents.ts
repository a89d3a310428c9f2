import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { tableKey } from '../db/catalog.js';
import type { Change } from '../changeset/changeset.js';
import { comparisonKey } from '../values/normalize.js';
import { hasOwn } from '../values/own.js';

/** Why children cannot point at a parent row yet, or the change whose new key they follow. */
export type ParentStatus = { reason: string } | { ref: string };

/**
 * Parent rows, by the key a source proves, that children must not be written against
 * as they are: a new row that is a conflict or unrecoverable, a key the live database
 * gave to a different row (it would attach the child to that row), or a row written
 * under a new key (rekeyed), which its children follow. Lookups by natural key learn
 * the same through the lookup indexes; this covers foreign keys a source gives directly.
 */
export class HeldParents {
  private readonly byTable = new Map<string, { key: CatalogColumn; rows: Map<string, ParentStatus> }>();

  note(table: CatalogTable, key: Record<string, string>, status: ParentStatus): void {
    const column = table.primaryKey.length === 1 ? table.columns.find((c) => c.name === table.primaryKey[0]) : undefined;
    const value = column ? key[column.name] : undefined;
    if (!column || value === undefined) return;
    const name = tableKey(table);
    let entry = this.byTable.get(name);
    if (!entry) this.byTable.set(name, (entry = { key: column, rows: new Map() }));
    entry.rows.set(comparisonKey(column, value), status);
  }

  /** The change with its foreign keys checked: held parents make it unrecoverable, rekeyed ones are followed. */
  follow(change: Change, table: CatalogTable): Change {
    if (this.byTable.size === 0 || (change.kind !== 'insert' && change.kind !== 'update' && change.kind !== 'conflict')) return change;
    let out = change;
    for (const fk of table.foreignKeys) {
      const column = fk.columns[0];
      const parent = this.byTable.get(`${fk.references.schema}.${fk.references.name}`);
      if (fk.columns.length !== 1 || column === undefined || !parent || !hasOwn(out.values, column)) continue;
      const value = out.values[column];
      if (value == null) continue;
      const status = parent.rows.get(comparisonKey(parent.key, value));
      if (!status) continue;
      if ('reason' in status || out.kind === 'update') {
        const why = 'reason' in status ? status.reason : `the row it points at is written under a new key (${status.ref}); set ${column} after the apply`;
        return { ...out, kind: 'unrecoverable', reason: 'missing-parent', detail: `${column}: ${why}`, confidence: undefined };
      }
      const values = { ...out.values };
      delete values[column];
      out = { ...out, values, keyRefs: { ...out.keyRefs, [column]: status.ref } };
    }
    return out;
  }
}
