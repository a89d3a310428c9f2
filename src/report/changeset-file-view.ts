import { stat } from 'node:fs/promises';
import type { Change, ChangeKind, Changeset } from '../changeset/changeset.js';
import { scanChangeset } from '../changeset/changeset-layout.js';
import { checkFormat, missingChangeset, parseWhole, readChangeset } from '../changeset/read-changeset.js';
import { ChangeReader } from '../changeset/change-reader.js';
import { viewOfChangeset, type ChangesetHead, type ChangesetView } from './changeset-view.js';
import { ChangeGroups } from '../changeset/change-groups.js';
import { summaryRowsOf } from './review-model.js';
import path from 'node:path';
import { loadDecisions } from '../decide/load.js';
import type { Decisions } from '../decide/schema.js';
import { decisionsPath } from '../runtime/job-paths.js';

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
export async function openChangesetView(file: string, options: { decisions?: Decisions } = {}): Promise<ChangesetFileView> {
  await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? missingChangeset(file) : error;
  });
  // decisions.yaml lives beside changeset.json, in the job directory.
  const decisions = options.decisions ?? (await loadDecisions(path.dirname(file))).decisions;
  const decisionsNewer = options.decisions === undefined && (await newer(decisionsPath(path.dirname(file)), file));
  const offsets: number[] = [];
  const lengths: number[] = [];
  const groups = new ChangeGroups<number>();
  const layout = await scanChangeset(file, {
    onChange: (text, offset, bytes) => {
      let change: Partial<Change>;
      try {
        change = JSON.parse(text) as Partial<Change>;
      } catch {
        return false;
      }
      if (typeof change.table !== 'string' || typeof change.kind !== 'string' || !KINDS.has(change.kind)) return false;
      groups.add(change.table, change.kind as ChangeKind, offsets.length);
      offsets.push(offset);
      lengths.push(bytes);
      return true;
    },
  });
  if (!layout) return { ...inMemory((await readChangeset(file)).changeset, decisions), decisionsNewer };
  const parsed = parseWhole(`${layout.head}${layout.tail}`, file);
  checkFormat(parsed, file);
  const { changes: _none, ...head } = parsed;
  return { ...fileView(file, head, Object.keys(parsed), offsets, lengths, groups, decisions), decisionsNewer };
}

/** Whether file `a` exists and was written after file `b`. */
async function newer(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return x !== undefined && y !== undefined && x.mtimeMs > y.mtimeMs;
}

function inMemory(changeset: Changeset, decisions: Decisions): ChangesetFileView {
  return { ...viewOfChangeset(changeset, decisions), close: () => undefined };
}

function fileView(
  file: string,
  head: ChangesetHead,
  keys: string[],
  offsets: number[],
  lengths: number[],
  groups: ChangeGroups<number>,
  decisions: Decisions,
): ChangesetFileView {
  // Groups are in order of their first change, so tables only the changes name come in order of appearance.
  const summary = summaryRowsOf(head.tables, (function* () {
    for (const g of groups.all()) for (let i = 0; i < g.items.length; i++) yield g;
  })());
  const withChanges = new Set([...groups.all()].map((g) => g.table));
  const reader = new ChangeReader(file);
  const read = function* (ordinals: Iterable<number>): Iterable<Change> {
    for (const i of ordinals) yield reader.change(offsets[i] as number, lengths[i] as number);
  };
  return {
    head,
    keys,
    size: offsets.length,
    all: () => read(offsets.keys()),
    changes: (table, kind) => read(groups.get(table, kind)),
    count: (table, kind) => groups.get(table, kind).length,
    summary: () => summary,
    tablesWithChanges: () => summary.map((r) => r.table).filter((t) => withChanges.has(t)),
    decisions,
    close: () => reader.close(),
  };
}
