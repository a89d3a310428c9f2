import type { CatalogColumn } from './catalog-types.js';

/** NOT NULL, no default, not generated: a new row cannot be written without a value. */
export function isRequired(column: CatalogColumn): boolean {
  return column.notNull && column.default === null && column.identity === null && !column.generated;
}
