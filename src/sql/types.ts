import { SqlSafetyError } from './identifier.js';

/**
 * A column type as format_type() prints it (`numeric(12,2)`, `timestamp with time
 * zone`, `character varying(20)[]`, `"My Type"`, `app.status`), checked before it is
 * used in a cast: it comes from the changeset file, so it is treated as input.
 */
const IDENT = String.raw`(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")`;
const TYPE = new RegExp(String.raw`^${IDENT}(?:\.${IDENT})?(?: ${IDENT})*(?:\(\d+(?:,\d+)?\))?(?: with(?:out)? time zone)?(?:\[\])*$`);

export function castType(type: string): string {
  if (!TYPE.test(type)) throw new SqlSafetyError(`${JSON.stringify(type)} is not a column type salvage will write into a cast`);
  return type;
}
