import type { Catalog } from '../db/catalog-types.js';
import { findTable, tableKey } from '../db/catalog.js';
import type { Problem } from '../errors.js';
import type { ColumnRule, MappingSet, SourcePosition } from '../mapping/types.js';
import { isRequired } from '../db/required-column.js';
import { domainOf, type ValueDomains } from '../db/value-domains.js';
import { columnKind, mismatch, outputKind } from '../mapping/value-kinds.js';

/**
 * What bindMappings does not look at, found without reading a record: values that
 * can never fit their column (a timestamp into an integer, a map onto a status the
 * column's enum or CHECK does not allow), and required columns
 * no rule of the table fills, so every new row of it would be unrecoverable.
 * Unknown tables and columns are bindMappings' to report; they are skipped here.
 */
export function schemaProblems(mappings: MappingSet, catalog: Catalog, domains: ValueDomains): Problem[] {
  const problems: Problem[] = [];
  const at = (pos: SourcePosition, message: string) => problems.push({ file: pos.file, line: pos.line, column: pos.column, message });

  for (const mapping of mappings.tables) {
    const table = findTable(catalog, mapping.table);
    if (!table) continue;
    const columns = new Map(table.columns.map((c) => [c.name, c]));
    for (const rule of mapping.rules) {
      for (const columnRule of rule.columns) {
        const column = columns.get(columnRule.column);
        if (!column || columnRule.lookup) continue;
        const where = `${rule.name}: ${tableKey(table)}.${column.name} (${column.type})`;
        const wrongKind = mismatch(outputKind(columnRule), columnKind(column));
        if (wrongKind) at(columnRule.position, `${where}: ${wrongKind}`);
        const domain = domainOf(domains, table, column.name);
        for (const value of producedConstants(columnRule)) {
          if (domain?.authoritative && !domain.values.includes(String(value))) {
            at(columnRule.position, `${where}: ${JSON.stringify(value)} is not a value its ${domain.origin === 'enum' ? 'enum' : 'CHECK constraint'} allows (${domain.values.join(', ')})`);
          }
        }
      }
    }
    for (const column of table.columns.filter(isRequired)) {
      if (mapping.rules.some((r) => r.columns.some((c) => c.column === column.name))) continue;
      at(
        mapping.positions.table,
        `${tableKey(table)}.${column.name} (${column.type}) is NOT NULL with no default, and no rule of this table fills it: every new row would be unrecoverable`,
      );
    }
  }
  return problems;
}

/** The fixed values a column rule can write: its constant, its default, and a value map's results. */
function producedConstants(rule: ColumnRule): Array<string | number | boolean> {
  const out: Array<string | number | boolean> = [];
  // A null result means "unknown": the rule says nothing about the column.
  if (rule.from.length === 0 && rule.constant !== undefined && rule.constant !== null) out.push(rule.constant);
  if (rule.default !== undefined && rule.default !== null) out.push(rule.default);
  const last = rule.transforms[rule.transforms.length - 1];
  if (last?.name === 'map') {
    const args = last.args as { lookup: Map<string, string | number | boolean | null> };
    for (const value of args.lookup.values()) if (value !== null) out.push(value);
  }
  return out;
}
