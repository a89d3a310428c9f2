import type { Catalog, CatalogTable } from '../db/catalog-types.js';
import { findTable, tableKey } from '../db/catalog.js';
import { InvalidInputError, type Problem } from '../errors.js';
import type { ColumnRule, MappingSet, SourcePosition, TableMapping } from './types.js';

/** A mapping bound to the live schema: its table, match keys and lookup targets resolved. */
export interface BoundMapping {
  mapping: TableMapping;
  table: CatalogTable;
  /** Primary key first, then the natural keys, each a column list. */
  matchKeys: string[][];
  /**
   * Every distinct lookup the rules write, one per (column, table as written, by): two
   * rules that fill the same column by different natural keys have a link each. A
   * candidate's lookup names its link by its position here (see lookupLinkOf).
   */
  lookups: LookupLink[];
}

/** One lookup as the rules write it, bound to the parent table and the column its value is taken from. */
export interface LookupLink {
  /** The child column it fills. */
  column: string;
  /** The parent table as the mapping names it (`vehicles` or `public.vehicles`). */
  table: string;
  parent: CatalogTable;
  /** The parent column looked up by. */
  by: string;
  /** The parent column whose value the child column takes. */
  refColumn: string;
  /** A lookup by several columns: the parent's columns in order, each maybe found through a one-column lookup of its own. */
  parts?: LookupPart[];
}

/** One column of a lookup by several; `nested` when its value is itself looked up (a practitioner by e-mail). */
export interface LookupPart {
  column: string;
  nested?: { table: string; parent: CatalogTable; by: string; refColumn: string };
}

/** What an index of natural keys is made for: a parent, the columns it is looked up by, the column it gives. */
export interface LookupIndexSpec {
  parent: CatalogTable;
  by: string;
  refColumn: string;
  columns: string[];
  /** Every row is indexed: part of the key is known only once its own parent is. */
  keepsAll: boolean;
}

/** The indexes the links need: one per link, and one per looked-up part of a lookup by several columns. */
export function allLookupIndexes(links: readonly LookupLink[]): LookupIndexSpec[] {
  return links.flatMap((link) => [
    {
      parent: link.parent,
      by: link.by,
      refColumn: link.refColumn,
      columns: link.parts ? link.parts.map((p) => p.column) : [link.by],
      keepsAll: link.parts?.some((p) => p.nested) ?? false,
    },
    ...(link.parts ?? []).flatMap((p) => (p.nested ? [{ parent: p.nested.parent, by: p.nested.by, refColumn: p.nested.refColumn, columns: [p.nested.by], keepsAll: false }] : [])),
  ]);
}

/** The position in `lookups` of the link a rule's lookup of `column` goes through, or -1. */
export function lookupLinkOf(lookups: readonly LookupLink[], column: string, table: string, by: string): number {
  return lookups.findIndex((l) => l.column === column && l.table === table && l.by === by);
}

/**
 * Checks mappings against the backup's schema and the configured sources, and
 * reports every problem at once with the file:line where it was written.
 */
export function bindMappings(mappings: MappingSet, catalog: Catalog, sourceNames: string[]): BoundMapping[] {
  const problems: Problem[] = [];
  const at = (pos: SourcePosition | undefined, message: string): void => {
    problems.push({ file: pos?.file ?? '(mappings)', line: pos?.line, column: pos?.column, message });
  };
  const knownSources = new Set(sourceNames);
  const checkSources = (names: Iterable<string>, pos: SourcePosition | undefined) => {
    for (const name of names) {
      if (!knownSources.has(name)) at(pos, `no source named "${name}" in salvage.yaml (sources: ${sourceNames.join(', ') || 'none'})`);
    }
  };

  const bound: BoundMapping[] = [];
  for (const mapping of mappings.tables) {
    const table = findTable(catalog, mapping.table);
    if (!table) {
      const names = catalog.tables.map((t) => tableKey(t)).join(', ');
      at(mapping.positions.table, `no table "${mapping.table}" in the backup database (it has: ${names || 'no tables'})`);
      continue;
    }
    const columns = new Map(table.columns.map((c) => [c.name, c]));
    const hasColumn = (name: string, pos: SourcePosition | undefined, what: string): boolean => {
      if (columns.has(name)) return true;
      at(pos, `${what}: table ${tableKey(table)} has no column "${name}" (columns: ${[...columns.keys()].join(', ')})`);
      return false;
    };

    const matchKeys: string[][] = [];
    if (table.primaryKey.length) matchKeys.push(table.primaryKey);
    for (const key of mapping.match ?? table.uniqueKeys) {
      if (key.every((c) => hasColumn(c, mapping.positions.match, 'match key')) && !sameColumns(key, table.primaryKey)) {
        matchKeys.push(key);
      }
    }
    checkSources(mapping.prefer, mapping.positions.prefer);
    for (const column of mapping.keepExisting) hasColumn(column, mapping.positions.keepExisting, 'keep_existing');
    for (const [column, policy] of Object.entries(mapping.merge)) {
      hasColumn(column, mapping.positions.merge[column], 'merge');
      if (policy.kind === 'prefer') checkSources(policy.sources, mapping.positions.merge[column]);
    }

    const lookups: LookupLink[] = [];
    for (const rule of mapping.rules) {
      if (rule.sources) checkSources(rule.sources, rule.sourcePosition ?? rule.position);
      for (const col of rule.columns) {
        const known = hasColumn(col.column, col.position, `rule ${rule.name}`);
        // An unknown column does not hide a wrong lookup on the same line.
        if (!known && !col.lookup) continue;
        const meta = columns.get(col.column);
        if (meta?.generated) at(col.position, `column "${col.column}" is generated by the database and cannot be written`);
        if (!col.lookup) continue;
        const parent = findTable(catalog, col.lookup.table);
        if (!parent) {
          at(col.position, `lookup: no table "${col.lookup.table}" in the backup database`);
          continue;
        }
        let parts: LookupPart[] | undefined;
        if (col.lookup.parts) {
          parts = bindParts(catalog, parent, col.lookup.parts, at);
          if (!parts) continue;
        } else {
          if (!parent.columns.some((c) => c.name === col.lookup?.by)) {
            at(col.position, `lookup: table ${tableKey(parent)} has no column "${col.lookup.by}"`);
            continue;
          }
          const notUnique = lookupUniqueness(parent, col.lookup.by);
          if (notUnique) at(col.position, notUnique);
        }
        if (!known) continue;
        const refColumn = referencedColumn(table, col.column, parent);
        if (!refColumn) {
          at(col.position, `lookup: ${tableKey(table)}.${col.column} has no foreign key to ${tableKey(parent)} and that table has no single-column primary key to take`);
          continue;
        }
        if (lookupLinkOf(lookups, col.column, col.lookup.table, col.lookup.by) < 0) {
          lookups.push({ column: col.column, table: col.lookup.table, parent, by: col.lookup.by, refColumn, ...(parts ? { parts } : {}) });
        }
      }
    }
    bound.push({ mapping, table, matchKeys, lookups });
  }
  if (problems.length) throw new InvalidInputError('mappings do not fit the backup schema or the config', problems);
  return bound;
}

/**
 * The parts of a lookup by several columns, checked: each a column of the parent, the
 * set unique in the parent, and a part that is looked up itself pointing at its own
 * parent. Undefined (with every problem reported) when any is wrong.
 */
function bindParts(catalog: Catalog, parent: CatalogTable, rules: ColumnRule[], at: (pos: SourcePosition | undefined, message: string) => void): LookupPart[] | undefined {
  const parts: LookupPart[] = [];
  let ok = true;
  for (const rule of rules) {
    if (!parent.columns.some((c) => c.name === rule.column)) {
      at(rule.position, `lookup: table ${tableKey(parent)} has no column "${rule.column}" (columns: ${parent.columns.map((c) => c.name).join(', ')})`);
      ok = false;
      continue;
    }
    if (!rule.lookup) {
      parts.push({ column: rule.column });
      continue;
    }
    const grand = findTable(catalog, rule.lookup.table);
    if (!grand) {
      at(rule.position, `lookup: no table "${rule.lookup.table}" in the backup database`);
      ok = false;
      continue;
    }
    if (!grand.columns.some((c) => c.name === rule.lookup?.by)) {
      at(rule.position, `lookup: table ${tableKey(grand)} has no column "${rule.lookup.by}"`);
      ok = false;
      continue;
    }
    const notUnique = lookupUniqueness(grand, rule.lookup.by);
    if (notUnique) {
      at(rule.position, notUnique);
      ok = false;
    }
    const refColumn = referencedColumn(parent, rule.column, grand);
    if (!refColumn) {
      at(rule.position, `lookup: ${tableKey(parent)}.${rule.column} has no foreign key to ${tableKey(grand)} and that table has no single-column primary key to take`);
      ok = false;
      continue;
    }
    parts.push({ column: rule.column, nested: { table: rule.lookup.table, parent: grand, by: rule.lookup.by, refColumn } });
  }
  const columns = rules.map((r) => r.column);
  const notUnique = ok ? compositeUniqueness(parent, columns) : undefined;
  if (notUnique) at(rules[0]?.position, notUnique);
  return ok && !notUnique ? parts : undefined;
}

/** Why a lookup by these columns together could land on the wrong row, or undefined when some unique key is made of exactly them. */
function compositeUniqueness(parent: CatalogTable, columns: string[]): string | undefined {
  const same = (key: string[]) => key.length === columns.length && key.every((c) => columns.includes(c));
  const keys = [...(parent.primaryKey.length ? [parent.primaryKey] : []), ...parent.uniqueKeys, ...(parent.conditionalUniqueKeys ?? []).map((k) => k.columns)];
  if (keys.some(same)) return undefined;
  const shown = keys.map((key) => (key.length === 1 ? key[0] : `(${key.join(', ')})`));
  return `lookup: ${tableKey(parent)} has no primary key, UNIQUE constraint or unique index on exactly (${columns.join(', ')}), so one set of values can match several rows and salvage would have to guess; look it up by columns that are unique together (unique in ${tableKey(parent)}: ${[...new Set(shown)].join('; ') || 'nothing'})`;
}

/**
 * Why a lookup by `by` could land on the wrong row, or undefined when `by` is unique in
 * the parent: its primary key, a UNIQUE constraint or a unique index on exactly that
 * column, or a unique index computed from it alone (`lower(email)`, partial or not: a
 * value that matches several rows, a soft-deleted one among them, is then reported
 * ambiguous at reconcile). A column unique only together with others (`name` of
 * `UNIQUE (tenant_id, name)`) can match a row of another tenant.
 */
function lookupUniqueness(parent: CatalogTable, by: string): string | undefined {
  const alone = (key: string[]) => key.length === 1 && key[0] === by;
  if (alone(parent.primaryKey) || parent.uniqueKeys.some(alone)) return undefined;
  if ((parent.conditionalUniqueKeys ?? []).some((k) => alone(k.columns))) return undefined;
  const unique = [
    ...(parent.primaryKey.length ? [parent.primaryKey] : []),
    ...parent.uniqueKeys,
    ...(parent.conditionalUniqueKeys ?? []).map((k) => k.columns),
  ].map((key) => (key.length === 1 ? key[0] : `(${key.join(', ')})`));
  const choice = unique.length ? `look it up by a column that is unique on its own (unique in ${tableKey(parent)}: ${[...new Set(unique)].join('; ')})` : `${tableKey(parent)} has no unique column to look it up by`;
  return `lookup: ${tableKey(parent)}.${by} is not unique (no primary key, UNIQUE constraint or unique index on it alone), so one value can match several rows and salvage would have to guess; ${choice}`;
}

/**
 * A lookup by a column unique only among some rows (a partial unique index, as soft
 * deletes use): not an error, but worth saying, since a value a row outside the index's
 * condition shares (a soft-deleted one) makes the lookup ambiguous and the child
 * unrecoverable. Undefined when `by` is unique among all rows, or not unique at all.
 */
export function partialLookupNote(parent: CatalogTable, by: string): string | undefined {
  const alone = (key: string[]) => key.length === 1 && key[0] === by;
  if (alone(parent.primaryKey) || parent.uniqueKeys.some(alone)) return undefined;
  const conditional = (parent.conditionalUniqueKeys ?? []).filter((k) => alone(k.columns));
  if (conditional.length === 0 || conditional.some((k) => !k.partial)) return undefined;
  return `lookup: ${tableKey(parent)}.${by} is unique only among some rows (${conditional.map((k) => k.definition).join('; ')}): a value that a row outside that condition shares (a soft-deleted one) is ambiguous, and the rows that look it up are reported unrecoverable rather than attached to either`;
}

/** The parent column a child column points at: its foreign key's target, else the parent's single-column key. */
function referencedColumn(child: CatalogTable, column: string, parent: CatalogTable): string | undefined {
  const fk = child.foreignKeys.find(
    (f) => f.columns.length === 1 && f.columns[0] === column && f.references.schema === parent.schema && f.references.name === parent.name,
  );
  if (fk) return fk.references.columns[0];
  return parent.primaryKey.length === 1 ? parent.primaryKey[0] : undefined;
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
