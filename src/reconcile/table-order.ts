import { tableKey } from '../db/catalog.js';
import { allLookupIndexes, type BoundMapping } from '../mapping/check-catalog.js';

/**
 * Parents before children: a table is reconciled (and later written) after every
 * table it references by foreign key or looks up into. A cycle cannot be ordered
 * safely, so it is an error rather than a guess.
 */
export function orderMappings(bound: BoundMapping[]): BoundMapping[] {
  const byName = new Map(bound.map((b) => [tableKey(b.table), b]));
  const deps = new Map<string, Set<string>>();
  for (const b of bound) {
    const name = tableKey(b.table);
    const set = new Set<string>();
    for (const fk of b.table.foreignKeys) {
      const parent = `${fk.references.schema}.${fk.references.name}`;
      if (parent !== name && byName.has(parent)) set.add(parent);
    }
    // A lookup by several columns may look a part up in a table of its own: that one comes first too.
    for (const link of allLookupIndexes(b.lookups)) {
      const parent = tableKey(link.parent);
      if (parent !== name && byName.has(parent)) set.add(parent);
    }
    deps.set(name, set);
  }
  const ordered: BoundMapping[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new Error(`tables reference each other in a cycle (${[...trail, name].join(' -> ')}); salvage cannot order their inserts`);
    }
    state.set(name, 'visiting');
    for (const parent of [...(deps.get(name) ?? [])].sort()) visit(parent, [...trail, name]);
    state.set(name, 'done');
    ordered.push(byName.get(name) as BoundMapping);
  };
  for (const name of [...byName.keys()].sort()) visit(name, []);
  return ordered;
}
