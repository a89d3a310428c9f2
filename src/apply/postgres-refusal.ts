import type pg from 'pg';
import { SalvageError } from '../errors.js';

/** PostgreSQL refused part of the patch: where in the file, what it refused and why; the transaction is gone with it. */
export function postgresRefusal(where: string, what: string, error: unknown): SalvageError {
  const e = error as pg.DatabaseError;
  return new SalvageError(`${where}: PostgreSQL refused ${what}: ${e.message}${e.detail ? ` (${e.detail})` : ''}. Everything was rolled back; nothing was written.`);
}
