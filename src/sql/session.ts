/**
 * The settings every salvage session runs under. They make the server's TEXT
 * form of a value one fixed spelling, whatever the server's configuration, so
 * that values read from the backup compare exactly with values salvage writes:
 * - TimeZone UTC: timestamptz prints as `2026-03-01 10:00:00+00`, never in a
 *   local zone that depends on the machine.
 * - DateStyle ISO, YMD: dates print and parse as `2026-03-01`, never `03/01/2026`.
 * - IntervalStyle iso_8601: intervals print as `P1DT2H`, unambiguous and locale-free.
 * - standard_conforming_strings on: a backslash in a '...' literal is an
 *   ordinary character, which is what `literal()` in ./literal.ts relies on.
 * - extra_float_digits 3: float4/float8 print with enough digits to round-trip.
 */
export const SESSION_SETTINGS: readonly string[] = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'iso_8601'",
  'SET standard_conforming_strings = on',
  'SET extra_float_digits = 3',
];

/**
 * Read-only is always set explicitly, on or off. On a real server a new session
 * starts from the configured default anyway, but an embedded PGlite has ONE
 * backend shared by every connection in turn, so a setting made by an earlier
 * (read-only) connection would otherwise still hold for the next one.
 */
export function readOnlySetting(readOnly: boolean): string {
  return `SET default_transaction_read_only = ${readOnly ? 'on' : 'off'}`;
}

/** All statements of the session setup, in order. */
export function sessionSetupStatements(options: { readOnly: boolean }): string[] {
  return [...SESSION_SETTINGS, readOnlySetting(options.readOnly)];
}

/**
 * The session setup as one simple-protocol query string (one round trip).
 * It has no parameters, which is what allows several statements in one query.
 */
export function sessionSetupSql(options: { readOnly: boolean }): string {
  return sessionSetupStatements(options).join(';\n');
}
