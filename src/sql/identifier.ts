/**
 * The one sanitizer every identifier passes through. Identifiers are always
 * double-quoted (so reserved words, capitals, spaces and dots are safe) and an
 * embedded `"` is doubled, as PostgreSQL's quote_ident does.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new SqlSafetyError('an SQL identifier cannot be empty');
  if (name.includes('\u0000')) throw new SqlSafetyError(`identifier ${JSON.stringify(name)} contains a NUL byte`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** A table or sequence name, always schema-qualified in emitted SQL. */
export interface QualifiedName {
  schema: string;
  name: string;
}

export function quoteQualified(target: QualifiedName): string {
  return `${quoteIdent(target.schema)}.${quoteIdent(target.name)}`;
}

/** Thrown when a value or name cannot be represented safely in SQL text. */
export class SqlSafetyError extends Error {
  override name = 'SqlSafetyError';
}
