import { createHash } from 'node:crypto';
import { IntList } from '../runtime/int-list.js';
import { stat } from 'node:fs/promises';
import { Decider, type DecidedChangeset } from '../decide/apply-decisions.js';
import type { Decisions } from '../decide/schema.js';
import type { Change, Changeset, TableSummary } from '../changeset/changeset.js';
import { collectGarbage, memoryCheckpoint } from '../runtime/memory.js';
import type { Progress } from '../runtime/progress.js';
import { columnsGiven, higher, keyedColumnsGiven, sequenceValue, type AcceptedChanges, type KeyedColumnName } from './accepted-changes.js';
import { OrdinalGroups } from '../changeset/ordinal-groups.js';
import { ChangeSpill } from '../changeset/change-spill.js';
import { scanChangeset } from '../changeset/changeset-layout.js';
import { checkFormat, parseWhole } from '../changeset/read-changeset.js';
import { Interned } from './interned.js';
import { KeyedPlan } from './keyed-rows.js';
import { isKeyed, patchRowOf, sourceRulesOf, type PatchRow, type SourceRule } from './patch-row.js';

export interface AcceptedFromFile {
  head: Omit<Changeset, 'changes'>;
  accepted: AcceptedChanges;
  decided: Omit<DecidedChangeset, 'accepted'>;
  /** The key map's plan, made on the way when the keyed inserts came in plan order (as reconcile writes them). */
  keyedPlan?: KeyedPlan;
  /** sha256 of the file's bytes. */
  sha256: string;
  /** Closes and deletes the spill file. */
  close(): void;
}

/**
 * The accepted changes of changeset.json without holding them: one pass decides each
 * change and writes, for those the patch writes, its row (values, keys, origins: a
 * fraction of the change's text) to `spillFile` and its id beside it; it keeps in
 * memory only small numbers per row (its columns, sources and rules, each set kept
 * once), the highest sequence value, and the key map's plan. The patch then reads each
 * block's rows back from the spill, parsing a few hundred bytes a row instead of the
 * change with all its evidence.
 * Undefined when the file is not in reconcile's layout, or its head does not list the
 * tables before the changes: the caller reads it whole.
 */
export async function acceptedFromFile(file: string, decisions: Decisions, progress: Progress, spillFile: string): Promise<AcceptedFromFile | undefined> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return undefined; // readChangeset says what is wrong
  }
  const spill = new ChangeSpill(spillFile);
  // The ids apart, as plain text: the key map's statements need nothing else of a row.
  const ids = new ChangeSpill(`${spillFile}.ids`);
  const close = () => {
    spill.remove();
    ids.remove();
  };
  const hash = createHash('sha256');
  const reading = progress.stage('read changeset', size, 'bytes');
  const decider = new Decider(decisions);
  let tables = new Map<string, TableSummary>();
  const columnSets = new Interned<readonly string[]>();
  const keyedSets = new Interned<readonly KeyedColumnName[]>();
  const sourceRuleSets = new Interned<readonly SourceRule[]>();
  // Per ordinal, in typed arrays: a million changes' numbers take 4 MB each this way.
  const sourceRuleSet = new IntList();
  const columnSet = new IntList();
  /** Per ordinal: its keyed column set, or -1 for a row without key map columns. */
  const keyedSet = new IntList();
  const groups = new OrdinalGroups();
  const highest = new Map<string, bigint | undefined>();
  let plan: KeyedPlan | undefined;

  let layout: Awaited<ReturnType<typeof scanChangeset>>;
  try {
    layout = await scanChangeset(file, {
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
          plan = new KeyedPlan(head.tables);
          return true;
        } catch {
          return false;
        }
      },
      onChange: (text) => {
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
        const row = patchRowOf(decided);
        const rowText = JSON.stringify(row);
        const ordinal = spill.add(rowText);
        ids.add(row.id);
        const sources = sourceRulesOf(row.origins);
        sourceRuleSet.push(sourceRuleSets.index(JSON.stringify(sources), sources));
        const columns = table ? columnsGiven(decided, table) : [];
        columnSet.push(columnSets.index(columns.join('\u0000'), columns));
        const keyed = table && isKeyed(decided) ? keyedColumnsGiven(decided, table) : undefined;
        keyedSet.push(keyed ? keyedSets.index(keyed.map((c) => `${c.fromKeyMap ? 'ref' : 'value'} ${c.name}`).join('\u0000'), keyed) : -1);
        groups.add(decided.table, decided.kind, ordinal);
        if (plan && keyed && decided.kind === 'insert' && !plan.add(decided.table, ordinal, row, rowText)) plan = undefined;
        if (table && decided.kind === 'insert') highest.set(table.table, higher(highest.get(table.table), sequenceValue(decided, table)));
        return true;
      },
    });
  } catch (error) {
    close();
    throw error;
  }
  reading.end();
  // Every change was parsed and let go: what is left is a few numbers per row.
  collectGarbage();
  let parsed: Changeset | undefined;
  try {
    if (layout) {
      parsed = parseWhole(`${layout.head}${layout.tail}`, file);
      checkFormat(parsed, file);
    }
  } finally {
    if (!parsed) close();
  }
  if (!parsed) return undefined;
  const { changes: _none, ...head } = parsed;
  return {
    head,
    decided: decider.finish(),
    ...(plan ? { keyedPlan: plan } : {}),
    sha256: hash.digest('hex'),
    close,
    accepted: {
      ordinals: (table, kind) => groups.get(table, kind),
      // Not kept: a block's rows are gone once its statement is written.
      get: (ordinal) => {
        memoryCheckpoint();
        return JSON.parse(spill.text(ordinal)) as PatchRow;
      },
      id: (ordinal) => ids.text(ordinal),
      sourceRules: (ordinal) => sourceRuleSets.at(sourceRuleSet.at(ordinal) as number),
      columnsOf: (ordinal) => columnSets.at(columnSet.at(ordinal) as number),
      keyed: (ordinal) => (keyedSet.at(ordinal) ?? -1) >= 0,
      keyedColumnsOf: (ordinal) => {
        const set = keyedSet.at(ordinal) ?? -1;
        return set >= 0 ? keyedSets.at(set) : [];
      },
      highestSequenceValue: (table) => highest.get(table.table),
    },
  };
}
