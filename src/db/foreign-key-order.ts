import type { CatalogForeignKey, CatalogTable } from './catalog-types.js';
import { tableKey } from './table-names.js';

/**
 * A foreign key the table order cannot honour: `table` comes before the table
 * its `foreignKey` references, because the two sit on a cycle. Rows of such a
 * pair cannot simply be inserted parents-first; the writer has to insert the
 * child with that key NULL and fill it in afterwards, or defer the constraint.
 */
export interface BrokenForeignKey {
  table: CatalogTable;
  foreignKey: CatalogForeignKey;
}

export interface ForeignKeyPlan {
  /** Every given table once, parents before children wherever a cycle allows it. */
  tables: CatalogTable[];
  /** The foreign keys given up to break cycles; empty when there is no cycle. */
  broken: BrokenForeignKey[];
}

/** The tables in insert order (parents first). Use planForeignKeyOrder to learn about cycles. */
export function foreignKeyOrder(tables: CatalogTable[]): CatalogTable[] {
  return planForeignKeyOrder(tables).tables;
}

/**
 * Orders tables so that every table comes after the tables its foreign keys
 * reference (a topological order), and says which foreign keys had to be given
 * up when they form a cycle.
 *
 * - Only foreign keys among the given tables count; a reference to a table not
 *   in the list is someone else's concern.
 * - Self-references (a category's parent category) never affect the order and
 *   are never reported as broken: they order rows within one table, not tables.
 * - Deterministic: among tables that are free to go next, the one earliest in
 *   the input goes first (so a sorted input gives a sorted-as-possible output).
 * - Cycles: when every remaining table still waits for a parent, the tables of a
 *   cycle that waits on nothing outside itself are the candidates; the one with
 *   the fewest waiting parents (then the earliest in the input) goes next, and
 *   its foreign keys to the tables still waiting are reported in `broken`. A
 *   table merely downstream of a cycle is never picked to break it.
 */
export function planForeignKeyOrder(tables: CatalogTable[]): ForeignKeyPlan {
  const indexByKey = new Map<string, number>();
  tables.forEach((table, index) => {
    const key = tableKey(table);
    if (indexByKey.has(key)) throw new Error(`planForeignKeyOrder: table ${key} is listed twice`);
    indexByKey.set(key, index);
  });

  // parents[i]: indexes of the (other) tables that table i references.
  const parents = tables.map((table, index) => {
    const set = new Set<number>();
    for (const fk of table.foreignKeys) {
      const parent = indexByKey.get(tableKey(fk.references));
      if (parent !== undefined && parent !== index) set.add(parent);
    }
    return set;
  });

  const placed = new Array<boolean>(tables.length).fill(false);
  const order: CatalogTable[] = [];
  const broken: BrokenForeignKey[] = [];
  const waitingParents = (i: number): number[] => [...(parents[i] ?? [])].filter((p) => !placed[p]);

  while (order.length < tables.length) {
    let next = -1;
    for (let i = 0; i < tables.length; i++) {
      if (!placed[i] && waitingParents(i).length === 0) {
        next = i;
        break;
      }
    }
    if (next === -1) {
      next = pickCycleBreaker(tables.length, placed, waitingParents);
      const table = tables[next] as CatalogTable;
      const waiting = new Set(waitingParents(next));
      for (const fk of table.foreignKeys) {
        const parent = indexByKey.get(tableKey(fk.references));
        if (parent !== undefined && waiting.has(parent)) broken.push({ table, foreignKey: fk });
      }
    }
    placed[next] = true;
    order.push(tables[next] as CatalogTable);
  }
  return { tables: order, broken };
}

/**
 * Called when no unplaced table is free. Finds the strongly connected components
 * of the unplaced tables (Tarjan), keeps those that wait on nothing outside
 * themselves (there is always one, and it is a real cycle), and picks from them
 * the table with the fewest waiting parents, then the earliest in the input.
 */
function pickCycleBreaker(count: number, placed: boolean[], waitingParents: (i: number) => number[]): number {
  const component = stronglyConnectedComponents(count, placed, waitingParents);
  let best = -1;
  let bestWaiting = Infinity;
  for (let i = 0; i < count; i++) {
    if (placed[i]) continue;
    const waiting = waitingParents(i);
    const waitsOutside = waiting.some((p) => component[p] !== component[i]);
    if (waitsOutside) continue;
    if (waiting.length < bestWaiting) {
      best = i;
      bestWaiting = waiting.length;
    }
  }
  if (best === -1) throw new Error('planForeignKeyOrder: no table can break the cycle (internal error)');
  return best;
}

/** Component id per unplaced table, over the "waits for parent" edges. */
function stronglyConnectedComponents(count: number, placed: boolean[], waitingParents: (i: number) => number[]): number[] {
  const component = new Array<number>(count).fill(-1);
  const index = new Array<number>(count).fill(-1);
  const lowLink = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  let nextIndex = 0;
  let nextComponent = 0;

  // Recursive; foreign key graphs are a few hundred tables at most.
  const visit = (v: number): void => {
    index[v] = nextIndex;
    lowLink[v] = nextIndex;
    nextIndex += 1;
    stack.push(v);
    onStack[v] = true;
    for (const w of waitingParents(v)) {
      if ((index[w] as number) === -1) {
        visit(w);
        lowLink[v] = Math.min(lowLink[v] as number, lowLink[w] as number);
      } else if (onStack[w]) {
        lowLink[v] = Math.min(lowLink[v] as number, index[w] as number);
      }
    }
    if (lowLink[v] === index[v]) {
      for (;;) {
        const w = stack.pop() as number;
        onStack[w] = false;
        component[w] = nextComponent;
        if (w === v) break;
      }
      nextComponent += 1;
    }
  };
  for (let v = 0; v < count; v++) {
    if (!placed[v] && index[v] === -1) visit(v);
  }
  return component;
}
