/**
 * Whole databases, for the benchmark and the test harness that make and drop their own
 * (salvage itself never creates or drops a database).
 */
import { quoteIdent } from './identifier.js';

/** An empty database, or a copy of `template` (which must have no other connection). */
export function createDatabase(name: string, template?: string): string {
  return `CREATE DATABASE ${quoteIdent(name)}${template === undefined ? '' : ` TEMPLATE ${quoteIdent(template)}`}`;
}

/** Drops it even with sessions still open (PostgreSQL 13+). */
export function dropDatabase(name: string): string {
  return `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`;
}

/** Flushes dirty buffers, so that a measured step does not pay for an earlier one's writes. */
export const CHECKPOINT = 'CHECKPOINT';
