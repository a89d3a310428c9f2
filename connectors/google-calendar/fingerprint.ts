import { createHash } from 'node:crypto';
import type { SourceRecord } from '../../src/records/envelope.js';

/**
 * A summary of a records file: how many records, and the sum of a hash of each line.
 * A sync token is only good together with the exact records it was taken with; the
 * fingerprint lets the next pull check that the records file it finds is that one
 * (not deleted, not an older copy, not a pull that failed before it was saved).
 * A sum rather than a running hash, because it must survive a checkpoint as JSON.
 */
export interface Fingerprint {
  count: number;
  /** Hex, mod 2^64. */
  sum: string;
}

const MOD = 1n << 64n;

export const EMPTY_FINGERPRINT: Fingerprint = { count: 0, sum: '0' };

/** The line the records sink writes for a record is its JSON; reading it back gives the same text. */
export function addRecord(fingerprint: Fingerprint, record: SourceRecord): Fingerprint {
  const digest = createHash('sha256').update(JSON.stringify(record)).digest();
  const sum = (BigInt(`0x${fingerprint.sum}`) + digest.readBigUInt64BE(0)) % MOD;
  return { count: fingerprint.count + 1, sum: sum.toString(16) };
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.count === b.count && a.sum === b.sum;
}

export function isFingerprint(value: unknown): value is Fingerprint {
  const v = value as Fingerprint | null;
  return typeof v === 'object' && v !== null && Number.isInteger(v.count) && typeof v.sum === 'string' && /^[0-9a-f]+$/.test(v.sum);
}
