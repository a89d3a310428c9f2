import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { Decider, type DecidedChangeset } from '../decide/apply-decisions.js';
import type { Decisions } from '../decide/schema.js';
import type { Change, Changeset, TableSummary } from '../changeset/changeset.js';
import { memoryCheckpoint } from '../runtime/memory.js';
import type { Progress } from '../runtime/progress.js';
import { columnsGiven, higher, sequenceValue, type AcceptedChanges } from './accepted-changes.js';
import { ChangeGroups } from '../changeset/change-groups.js';
import { ChangeReader } from '../changeset/change-reader.js';
import { scanChangeset } from '../changeset/changeset-layout.js';
import { checkFormat, parseWhole } from '../changeset/read-changeset.js';

export interface AcceptedFromFile {
  head: Omit<Changeset, 'changes'>;
  accepted: AcceptedChanges;
  decided: Omit<DecidedChangeset, 'accepted'>;
  /** sha256 of the file's bytes. */
  sha256: string;
  close(): void;
}

/**
 * The accepted changes of changeset.json without holding them: one pass decides each
 * change and keeps, for those the patch writes, where it is in the file, its table and
 * kind, the columns it gives and the highest sequence value; the patch then reads each
 * block's changes back and decides them again (the same decisions give the same change).
 * Undefined when the file is not in reconcile's layout, or its head does not list the
 * tables before the changes: the caller reads it whole, as before.
 */
export async function acceptedFromFile(file: string, decisions: Decisions, progress: Progress): Promise<AcceptedFromFile | undefined> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return undefined; // readChangeset says what is wrong
  }
  const reader = new ChangeReader(file);
  const hash = createHash('sha256');
  const reading = progress.stage('read changeset', size, 'bytes');
  const decider = new Decider(decisions);
  let tables = new Map<string, TableSummary>();
  const offsets: number[] = [];
  const lengths: number[] = [];
  const columnSets: number[] = [];
  const sets: Array<readonly string[]> = [];
  const setIndex = new Map<string, number>();
  const groups = new ChangeGroups<number>();
  const highest = new Map<string, bigint | undefined>();

  const layout = await scanChangeset(file, {
    onChunk: (chunk) => {
      hash.update(chunk);
      reading.add(chunk.length);
    },
    onHead: (text) => {
      // reconcile writes every key but `changes` first: the head line closed is the changeset's head.
      try {
        const head = JSON.parse(`${text}]}`) as Partial<Changeset>;
        if (!Array.isArray(head.tables)) return false;
        tables = new Map(head.tables.map((t) => [t.table, t]));
        return true;
      } catch {
        return false;
      }
    },
    onChange: (text, offset, bytes) => {
      memoryCheckpoint();
      let change: Change;
      try {
        change = JSON.parse(text) as Change;
      } catch {
        return false;
      }
      const decided = decider.decide(change);
      if (!decided) return true;
      const table = tables.get(decided.table);
      const ordinal = offsets.length;
      offsets.push(offset);
      lengths.push(bytes);
      const columns = table ? columnsGiven(decided, table) : [];
      const setKey = columns.join('\u0000');
      let set = setIndex.get(setKey);
      if (set === undefined) {
        set = sets.push(columns) - 1;
        setIndex.set(setKey, set);
      }
      columnSets.push(set);
      groups.add(decided.table, decided.kind, ordinal);
      if (table && decided.kind === 'insert') highest.set(table.table, higher(highest.get(table.table), sequenceValue(decided, table)));
      return true;
    },
  }).catch((error: unknown) => {
    reader.close();
    throw error;
  });
  reading.end();
  let parsed: Changeset | undefined;
  try {
    if (layout) {
      parsed = parseWhole(`${layout.head}${layout.tail}`, file);
      checkFormat(parsed, file);
    }
  } finally {
    if (!parsed) reader.close();
  }
  if (!parsed) return undefined;
  const { changes: _none, ...head } = parsed;
  return {
    head,
    decided: decider.finish(),
    sha256: hash.digest('hex'),
    close: () => reader.close(),
    accepted: {
      ordinals: (table, kind) => groups.get(table, kind),
      // Not shared (shared-evidence.ts): a block's changes are gone once its statement is written.
      get: (ordinal) => {
        memoryCheckpoint();
        return decider.again(reader.change(offsets[ordinal] as number, lengths[ordinal] as number));
      },
      columnsOf: (ordinal) => sets[columnSets[ordinal] as number] as readonly string[],
      highestSequenceValue: (table) => highest.get(table.table),
    },
  };
}
