import { stat } from 'node:fs/promises';
import type { Change, ChangeKind, Changeset } from '../reconcile/changeset.js';
import { scanChangeset } from '../patch/changeset-layout.js';
import { checkFormat, parseWhole, readChangeset } from '../patch/read-changeset.js';
import { ChangeReader } from '../patch/change-reader.js';
import { groupKey, viewOfChangeset, type ChangesetHead, type ChangesetView } from './changeset-view.js';
import { summaryRowsOf } from './review-model.js';

export interface ChangesetFileView extends ChangesetView {
  /** Lets go of the file; the view cannot read changes afterwards. */
  close(): void;
}

const KINDS: ReadonlySet<string> = new Set<ChangeKind>(['insert', 'update', 'conflict', 'unrecoverable']);

/**
 * A view of changeset.json that holds where each change is, not the change: one pass
 * indexes the file (offset, length, table and kind of every change line), and each
 * report reads the changes back in the order it shows them. `salvage diff` of a
 * million-change changeset needs the index (a few bytes a change) and one change at a
 * time, instead of every change as an object and the whole report as one string.
 * A file not in reconcile's layout is read whole, as `patch` reads it.
 */
export async function openChangesetView(file: string): Promise<ChangesetFileView> {
  try {
    await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return readChangeset(file).then(({ changeset }) => inMemory(changeset)); // its message
    throw error;
  }
  const offsets: number[] = [];
  const lengths: number[] = [];
  const groups = new Map<string, { table: string; kind: ChangeKind; changes: number[] }>();
  const layout = await scanChangeset(file, {
    onChange: (text, offset, bytes) => {
      let change: Partial<Change>;
      try {
        change = JSON.parse(text) as Partial<Change>;
      } catch {
        return false;
      }
      if (typeof change.table !== 'string' || typeof change.kind !== 'string' || !KINDS.has(change.kind)) return false;
      const key = groupKey(change.table, change.kind);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { table: change.table, kind: change.kind, changes: [] }));
      group.changes.push(offsets.length);
      offsets.push(offset);
      lengths.push(bytes);
      return true;
    },
  });
  if (!layout) return inMemory((await readChangeset(file)).changeset);
  const parsed = parseWhole(`${layout.head}${layout.tail}`, file);
  checkFormat(parsed, file);
  const { changes: _none, ...head } = parsed;
  return fileView(file, head, Object.keys(parsed), offsets, lengths, [...groups.values()]);
}

function inMemory(changeset: Changeset): ChangesetFileView {
  return { ...viewOfChangeset(changeset), close: () => undefined };
}

function fileView(
  file: string,
  head: ChangesetHead,
  keys: string[],
  offsets: number[],
  lengths: number[],
  groups: Array<{ table: string; kind: ChangeKind; changes: number[] }>,
): ChangesetFileView {
  const byKey = new Map(groups.map((g) => [groupKey(g.table, g.kind), g.changes]));
  // Groups are in order of their first change, so tables only the changes name come in order of appearance.
  const summary = summaryRowsOf(head.tables, (function* () {
    for (const g of groups) for (let i = 0; i < g.changes.length; i++) yield g;
  })());
  const withChanges = new Set(groups.map((g) => g.table));
  const reader = new ChangeReader(file);
  const read = function* (ordinals: Iterable<number>): Iterable<Change> {
    for (const i of ordinals) yield reader.change(offsets[i] as number, lengths[i] as number);
  };
  return {
    head,
    keys,
    size: offsets.length,
    all: () => read(offsets.keys()),
    changes: (table, kind) => read(byKey.get(groupKey(table, kind)) ?? []),
    count: (table, kind) => byKey.get(groupKey(table, kind))?.length ?? 0,
    summary: () => summary,
    tablesWithChanges: () => summary.map((r) => r.table).filter((t) => withChanges.has(t)),
    close: () => reader.close(),
  };
}
