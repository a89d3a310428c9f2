import type { Catalog, CatalogTable } from './catalog-types.js';

/**
 * `schema.name`, the key salvage uses for tables in maps and messages. Not SQL
 * (use quoteQualified for that). A part holding a dot or a quote is written in
 * SQL-quoted form (`"a.b".c`, `a."b.c"`) so that no two tables share a key;
 * findTable reads that form back.
 */
export function tableKey(table: { schema: string; name: string }): string {
  return `${keyPart(table.schema)}.${keyPart(table.name)}`;
}

function keyPart(part: string): string {
  return /[."]/.test(part) ? `"${part.replaceAll('"', '""')}"` : part;
}

/** The table with exactly this schema and name. */
export function findExactTable(catalog: Catalog, schema: string, name: string): CatalogTable | undefined {
  return findExact(catalog, schema, name);
}

/**
 * Finds a table by the name a person wrote in a mapping or on the command line:
 * - `schema.name`: exactly that table (names are case-sensitive, as stored);
 * - `name`: `public.name` if it exists, otherwise the one table of that name in
 *   any schema; undefined when several schemas have one (ambiguous) or none has;
 * - SQL-quoted forms such as `"Order Items"` or `billing."Order Items"` are
 *   accepted too, for names with dots, spaces or capitals.
 * A plain name that contains a dot (`a.b`) is tried as schema `a` table `b`
 * first, then as the table named `a.b`.
 */
export function findTable(catalog: Catalog, name: string): CatalogTable | undefined {
  const quoted = name.includes('"') ? parseQuotedName(name) : undefined;
  if (quoted !== undefined) {
    return quoted.schema === undefined ? findUnqualified(catalog, quoted.name) : findExact(catalog, quoted.schema, quoted.name);
  }
  // Try every split at a dot, so `my.schema.tbl` finds schema `my.schema` too.
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    const found = findExact(catalog, name.slice(0, dot), name.slice(dot + 1));
    if (found !== undefined) return found;
  }
  return findUnqualified(catalog, name);
}

function findExact(catalog: Catalog, schema: string, name: string): CatalogTable | undefined {
  return catalog.tables.find((t) => t.schema === schema && t.name === name);
}

function findUnqualified(catalog: Catalog, name: string): CatalogTable | undefined {
  const inPublic = findExact(catalog, 'public', name);
  if (inPublic !== undefined) return inPublic;
  const matches = catalog.tables.filter((t) => t.name === name);
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Parses `"a"."b"`, `a."b"`, `"b"` (SQL identifier syntax, `""` for a quote).
 * Unquoted parts are taken as written (not lower-cased): this is a lookup aid,
 * not an SQL parser. Returns undefined for anything that is not 1 or 2 parts.
 */
function parseQuotedName(text: string): { schema: string | undefined; name: string } | undefined {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    let part = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) return undefined; // unterminated quote
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        part += text[i];
        i += 1;
      }
    } else {
      const end = text.indexOf('.', i);
      part = end === -1 ? text.slice(i) : text.slice(i, end);
      if (part.includes('"')) return undefined;
      i = end === -1 ? text.length : end;
    }
    if (part === '') return undefined;
    parts.push(part);
    if (i < text.length) {
      if (text[i] !== '.') return undefined;
      i += 1;
      if (i === text.length) return undefined; // trailing dot
    }
  }
  if (parts.length === 1) return { schema: undefined, name: parts[0] as string };
  if (parts.length === 2) return { schema: parts[0] as string, name: parts[1] as string };
  return undefined;
}
