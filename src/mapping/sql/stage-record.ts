import type { SourceRecord } from '../../records/envelope.js';

/** One staging-table row, in RECORD_STAGING_COLUMNS order; `data` as JSON text for a jsonb parameter or COPY. */
export type StagedRecord = [string, string, string, string, string, string | null, string | null, boolean | null, string];

/**
 * A record as the compiled rules read it. `data` is written by JSON.stringify from the
 * record as JavaScript parsed it, so a number carries the digits the evaluator sees
 * (a 20-digit id already rounded, as in the worker). undefined: jsonb cannot hold the
 * record exactly (a NUL character, a lone surrogate), so the worker maps it.
 */
export function stagedRecord(record: SourceRecord): StagedRecord | undefined {
  const data = JSON.stringify(record.data);
  const texts = [record.source, record.type, record.id, record.ref, record.observedAt, record.createdAt ?? '', record.updatedAt ?? ''];
  if (UNSTAGEABLE.test(data) || texts.some((t) => NUL_OR_LONE_SURROGATE.test(t))) return undefined;
  return [
    record.source,
    record.type,
    record.id,
    record.ref,
    record.observedAt,
    record.createdAt ?? null,
    record.updatedAt ?? null,
    record.deleted ?? null,
    data,
  ];
}

/** JSON.stringify writes NUL as \u0000 and a lone surrogate as \udXXX; jsonb refuses both. */
const UNSTAGEABLE = /\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i;
const NUL_OR_LONE_SURROGATE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
