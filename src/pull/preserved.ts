/**
 * Evidence `salvage preserve` saved, brought into later pulls: after a source's own
 * records, the preserved records it no longer serves (a Stripe event past its 30 days,
 * a message deleted from the mailbox since) are added, each once. A record the source
 * still serves comes from the source, as it is now.
 */
import { existsSync } from 'node:fs';
import { readRecordsFile } from '../records/ndjson.js';
import type { SourceRecord } from '../records/envelope.js';

/** The types the preserved file holds: only records of these types are remembered during the pull. */
async function preservedTypes(file: string): Promise<Set<string>> {
  const types = new Set<string>();
  for await (const { record } of readRecordsFile(file)) types.add(record.type);
  return types;
}

const keyOf = (record: SourceRecord) => `${record.type}\u0000${record.id}`;

/**
 * `records`, then the preserved records of `preservedFile` whose type and id it did not
 * yield. `alreadyWritten` holds records of an interrupted run that are kept (a resumed
 * pull), which count as yielded. Returns the records unchanged when nothing was preserved.
 */
export async function* withPreserved(
  records: AsyncIterable<SourceRecord>,
  preservedFile: string,
  alreadyWritten: AsyncIterable<SourceRecord>,
  onAdded: (count: number) => void,
): AsyncGenerator<SourceRecord> {
  if (!existsSync(preservedFile)) {
    yield* records;
    return;
  }
  const types = await preservedTypes(preservedFile);
  const seen = new Set<string>();
  for await (const record of alreadyWritten) if (types.has(record.type)) seen.add(keyOf(record));
  for await (const record of records) {
    if (types.has(record.type)) seen.add(keyOf(record));
    yield record;
  }
  let added = 0;
  for await (const { record } of readRecordsFile(preservedFile)) {
    if (seen.has(keyOf(record))) continue;
    seen.add(keyOf(record));
    added++;
    yield record;
  }
  onAdded(added);
}
