/**
 * What salvage knows of a database's schema, read from the system catalogs.
 * Reconcile, patch and init all work from this one shape.
 */
export interface CatalogColumn {
  name: string;
  /** format_type() text: `bigint`, `numeric(10,2)`, `timestamp with time zone`, `character(3)`... */
  type: string;
  /** The base type's name from pg_type (`int8`, `numeric`, `timestamptz`, `text`, `bpchar`, `bool`, `jsonb`...). */
  typeName: string;
  notNull: boolean;
  /** Default expression text, or null (always null for a generated column: its expression is no default). */
  default: string | null;
  /** Identity column (`GENERATED ... AS IDENTITY`), 'a' always or 'd' by default, or null. */
  identity: 'a' | 'd' | null;
  /** Generated (computed) column: never written. */
  generated: boolean;
  /** Position in the table (1-based attnum order), counting live columns only: a dropped column leaves no gap. */
  position: number;
}

export interface CatalogForeignKey {
  name: string;
  columns: string[];
  /** The referenced table. */
  references: { schema: string; name: string; columns: string[] };
}

export interface CatalogTable {
  schema: string;
  name: string;
  columns: CatalogColumn[];
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[];
  /**
   * UNIQUE constraints and unique indexes (non-partial, plain columns, valid; INCLUDE columns left out),
   * each a column list in key order. Listed once each; a list equal to the primary key is left out.
   */
  uniqueKeys: string[][];
  /**
   * Unique indexes left out of uniqueKeys (partial, or on expressions): the plain columns
   * each one's key is computed from, sorted. Absent from catalogs made by hand.
   */
  conditionalUniqueKeys?: Array<{ index: string; columns: string[]; partial: boolean; definition: string }>;
  foreignKeys: CatalogForeignKey[];
  /** Sequences feeding columns (serial, identity, or nextval() defaults): column -> sequence. */
  sequences: Record<string, { schema: string; name: string }>;
}

export interface Catalog {
  /** current_database() */
  database: string;
  /**
   * Ordinary and partitioned tables in user schemas (not pg_catalog / information_schema / pg_toast* /
   * pg_temp_* / salvage), sorted by schema, name. Partitions themselves are left out: their rows are
   * read and written through the partitioned parent.
   */
  tables: CatalogTable[];
}
