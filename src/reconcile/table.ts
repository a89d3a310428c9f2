import type { CatalogColumn } from '../db/catalog-types.js';
import { tableKey } from '../db/catalog.js';
import type { BoundMapping } from '../mapping/check-catalog.js';
import type { Alternative, Change, Disagreement, Evidence, TableCounts, UnrecoverableReason } from '../changeset/changeset.js';
import type { LookupIndex } from './lookup-index.js';
import { mergeClaims, type Claim } from './merge.js';
import { inCitationOrder } from './member-order.js';
import { comparisonKey } from '../values/normalize.js';
import { keyGeneratorOf, keyRefOf } from '../changeset/key-refs.js';
import { collectGarbage, memoryCheckpoint } from '../runtime/memory.js';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';
import type { CandidateStore, PreparedCandidate } from './prepared.js';
import { scoreChange } from './confidence.js';
import { columnRecord } from '../values/own.js';
import { UnionFind } from './union-find.js';
import { keyCandidates, keyList, resolveLookups, type KeyedCandidates } from './candidate-keys.js';
import { scanBackup, type BackupScanner, type ScannedBackup } from './backup-scan.js';
import type { KeyOwners } from './key-owners.js';
import type { KeyTexts } from './key-texts.js';
import type { ChangeSpill } from '../changeset/change-spill.js';
import { TableChanges } from './table-changes.js';
import type { LiveTable, Revised } from './live-target.js';
import { LIVE_BATCH_MIN } from './live-batch-size.js';
import type { HeldParents } from './held-parents.js';
import type { ParentDecisions } from '../decide/for-children.js';

export type { Row } from './backup-scan.js';
import type { Row } from './backup-scan.js';

export interface TableInput {
  bound: BoundMapping;
  /** The table's candidates, prepared as the rules produced them; their lookups are resolved here. */
  candidates: CandidateStore;
  /** Indexes of the tables this one looks up into (already filled: parents go first). */
  parentIndexes: Map<string, LookupIndex>;
  /** Indexes that children will look up in this table; filled here. */
  ownIndexes: LookupIndex[];
  /** Streams every backup row of the table (text values), in batches. */
  backupRows: () => AsyncIterable<Row[]>;
  /** Where the table's changes go as they are made. */
  spill: ChangeSpill;
  /** The live target's view of the table (three-way reconcile); absent: compared with the backup only. */
  live?: LiveTable;
  /** Parent rows children must not point at as they are (filled here for this table's children). */
  parents?: HeldParents;
  /** decisions.yaml: children find a decided conflict as written, and not a rejected row. */
  decisions?: ParentDecisions;
  progress?: Progress;
  /** Where the backup is compared: in process by default, or in the work database (backup-scan-sql.ts). */
  scan?: BackupScanner;
}

export interface TableResult {
  /** The changes, read back from the spill in the changeset's order. */
  changes: TableChanges;
  counts: TableCounts;
}

type Resolved = PreparedCandidate;


interface Group {
  members: Resolved[];
  rows: Row[];
}

/** A classified change waiting for the live target's view of it. */
interface PendingChange {
  change: Change;
  matchedBy: ReturnType<typeof matchedKey>;
  sources: string[];
  keyAtApply: boolean;
}

/**
 * Reconciles one table: resolves lookups, groups candidates that describe the
 * same row (sharing any match key, directly or through a backup row), merges
 * each group by policy, matches it to the backup and classifies it.
 */
export async function reconcileTable(input: TableInput): Promise<TableResult> {
  const { bound } = input;
  const table = bound.table;
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  const store = input.candidates;
  const n = store.size;
  const progress = input.progress ?? NO_PROGRESS;
  const name = tableKey(table);

  // First pass: key and fingerprint every candidate (only keys and digests are kept).
  let keyed: KeyedCandidates | undefined = keyCandidates(store, bound, columns, input.parentIndexes, progress.stage(`${name}: key candidates`, n));
  const { keyOwner, keysOf } = keyed;
  // One pass over the backup: rows exactly as their one record says are settled at once.
  const { rows, rowForKey, settled } = await (input.scan ?? scanBackup)(input, columns, keyed, progress.stage(`${name}: compare with the backup`));
  keyed = undefined; // its digests and groups by key are done with
  collectGarbage(); // the backup rows of the scan

  // Second pass: the candidates whose rows may change are grouped by index (their keys are
  // the first pass's), and each is decoded again, in full, only when its group is merged:
  // when most rows are new, a million decoded candidates at once took a gigabyte.
  const counts: TableCounts = { insert: 0, update: 0, unchanged: settled.size, conflict: 0, unrecoverable: 0 };
  const groups = groupsToMerge({ keysOf, keyOwner, rows, rowForKey, settled });
  // Everything but the groups and the candidates can go before the changes are built (peak memory).
  keyOwner.clear();
  rowForKey.clear();
  settled.clear();
  rows.length = 0;
  keysOf.clear();
  collectGarbage();

  const decoded = (i: number): Resolved => {
    const candidate = store.get(i);
    resolveLookups(candidate, bound, columns, input.parentIndexes, false);
    return candidate;
  };
  const changes = new TableChanges(table, input.spill, input.ownIndexes, columns, input.decisions);
  const merging = progress.stage(`${name}: merge changed rows`, groups.count);
  // Changes wait here in batches for the live target's view of them (three-way reconcile).
  let pending: PendingChange[] = [];
  const settle = (batch: PendingChange[], revised: Revised[]) => {
    revised.forEach((r, i) => {
      const p = batch[i] as PendingChange;
      if (r.forChildren) changes.noteForChildren(r.forChildren);
      if (input.parents) noteHeld(input.parents, r, bound, input.decisions);
      if (!r.change) {
        counts.unchanged++;
        return;
      }
      counts[r.change.kind]++;
      if (r.change.kind === 'unrecoverable') delete r.change.confidence;
      else r.change.confidence = scoreChange({ matchedBy: p.matchedBy, sources: p.sources, disagreements: Object.keys(r.change.disagreements ?? {}), keyAssigned: p.keyAtApply });
      // Out of memory at once: what the end of the table needs of it stays (table-changes.ts).
      changes.add(r.change);
    });
  };
  // The live target reads one batch while the next is merged: the merge is CPU, the reads
  // are waits on PostgreSQL. A batch is followed (held parents) only once the one before it
  // has been settled, so every change sees what the changes before it noted, as in order.
  let inFlight: Promise<void> | undefined;
  // Without a live target, a batch only settles the changes before it: the smallest will do.
  const batchSize = input.live?.batchSize ?? LIVE_BATCH_MIN;
  const flush = async () => {
    await inFlight;
    inFlight = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const followed = batch.map((p) => input.parents?.follow(p.change, table) ?? p.change);
    if (!input.live) return settle(batch, followed.map((change) => ({ change })));
    inFlight = input.live.revise(followed).then((revised) => settle(batch, revised));
    // Awaited at the next flush; until then a failure must not count as unhandled.
    inFlight.catch(() => undefined);
  };
  for (let g = 0; g < groups.count; g++) {
    merging.add();
    const members = groups.membersOf(g);
    memoryCheckpoint(members.length);
    // A classified group's candidates are done with; its change keeps what it needs.
    const group: Group = { members: inCitationOrder(Array.from(members, decoded)), rows: groups.rowsOf(g) };
    const outcome = classifyGroup(group, bound, columns);
    if (outcome.kind === 'unchanged') {
      // Children find unchanged rows through the backup scan above, which indexed every row.
      counts.unchanged++;
      continue;
    }
    pending.push({ change: outcome.change, matchedBy: matchedKey(group, bound, columns), sources: group.members.map((m) => m.record.source), keyAtApply: outcome.keyAtApply });
    if (pending.length >= batchSize) await flush();
  }
  await flush(); // the last batch
  await flush(); // and the live target's answer to it

  merging.end();
  store.clear();
  changes.finish();
  return { changes, counts };
}

/** Tells the table's children which of its rows, by a key a source proves, they cannot point at yet (or follow). */
function noteHeld(parents: HeldParents, revised: Revised, bound: BoundMapping, decisions?: ParentDecisions): void {
  const change = revised.change;
  if (revised.rekeyedFrom && change) {
    parents.note(bound.table, revised.rekeyedFrom, { ref: change.id });
    return;
  }
  if (!change || Object.keys(change.key).length === 0) return;
  const newRow = change.old === undefined || change.live?.why === 'key-reused';
  // A conflict decided in decisions.yaml is written as decided: its children point at it as they are.
  const verdict = change.kind === 'conflict' && newRow ? decisions?.verdict(change) : undefined;
  if (verdict?.kind === 'write') return;
  if (verdict?.kind === 'rejected') {
    parents.note(bound.table, change.key, { reason: `the parent row ${change.id} was rejected in decisions.yaml` });
  } else if (change.kind === 'conflict' && newRow) {
    parents.note(bound.table, change.key, { reason: `the ${change.table} row ${change.id} is a conflict awaiting review${change.live?.why === 'key-reused' ? ' (its key is a different row in the live database)' : ''}` });
  } else if (change.kind === 'unrecoverable' && newRow) {
    parents.note(bound.table, change.key, { reason: `the ${change.table} row ${change.id} is unrecoverable: ${change.detail}` });
  }
}

/**
 * Candidates that share a key, directly or through a backup row, are one group; settled
 * candidates are in none. (A function of its own, so its union-find, four bytes a
 * candidate, is not held while the groups are merged.)
 */
function groupsToMerge(scan: { keysOf: KeyTexts; keyOwner: KeyOwners } & ScannedBackup) {
  const { keysOf, keyOwner, rows, rowForKey, settled } = scan;
  const n = keysOf.length;
  const uf = new UnionFind(n + rows.length);
  for (let i = 0; i < n; i++) {
    if (settled.has(i)) continue;
    for (const k of keyList(keysOf.of(i))) {
      uf.union(i, keyOwner.get(k) as number);
      const rowIndex = rowForKey.get(k);
      if (rowIndex !== undefined) uf.union(i, n + rowIndex);
    }
  }
  return groupsByRoot(n, (i) => (settled.has(i) ? -1 : uf.find(i)), rows, (j) => uf.find(n + j));
}

/**
 * The groups of candidates to merge, in order of their first member, as index arrays:
 * a Map of a million small objects cost a few hundred megabytes when most rows are new.
 * `rootOf` gives a candidate's group root, or -1 for one that needs no merge.
 */
function groupsByRoot(n: number, rootOf: (i: number) => number, rows: Row[], rootOfRow: (j: number) => number) {
  // Roots are candidates (0..n-1) or backup rows (n..n+rows-1).
  const groupOfRoot = new Int32Array(n + rows.length).fill(-1);
  // There are at most n groups: bounds[g + 1] counts group g's members, then (a counting
  // sort) bounds[g] is where they start in `members`.
  const bounds = new Int32Array(n + 1);
  let groups = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const root = rootOf(i);
    if (root < 0) continue;
    let g = groupOfRoot[root] as number;
    if (g < 0) groupOfRoot[root] = g = groups++;
    bounds[g + 1] = (bounds[g + 1] as number) + 1;
    total++;
  }
  for (let g = 0; g < groups; g++) bounds[g + 1] = (bounds[g + 1] as number) + (bounds[g] as number);
  // Filled from the last candidate back, each group's members come out in ascending order;
  // `ends` counts down from each group's end to its start.
  const members = new Int32Array(total);
  const ends = bounds.slice(1, groups + 1);
  for (let i = n - 1; i >= 0; i--) {
    const root = rootOf(i);
    if (root < 0) continue;
    const g = groupOfRoot[root] as number;
    const at = (ends[g] as number) - 1;
    members[at] = i;
    ends[g] = at;
  }
  const start = bounds.slice(0, groups + 1);
  const rowsOfGroup = new Map<number, Row[]>();
  rows.forEach((row, j) => {
    const g = groupOfRoot[rootOfRow(j)] as number;
    if (g < 0) return;
    const list = rowsOfGroup.get(g);
    if (list) list.push(row);
    else rowsOfGroup.set(g, [row]);
  });
  return {
    count: groups,
    membersOf: (g: number) => members.subarray(start[g], start[g + 1]),
    rowsOf: (g: number) => rowsOfGroup.get(g) ?? [],
  };
}

/** The first match key on which the group's values equal its backup row's. */
function matchedKey(group: Group, bound: BoundMapping, columns: Map<string, CatalogColumn>): { columns: string[]; primary: boolean } | undefined {
  const [row] = group.rows;
  if (!row || group.rows.length !== 1) return undefined;
  for (const [i, key] of bound.matchKeys.entries()) {
    const hit = group.members.some((m) => key.every((c) => {
      const v = m.texts.get(c);
      return v !== undefined && sameValue(columns.get(c) as CatalogColumn, v, row[c] ?? null);
    }));
    if (hit) return { columns: key, primary: i === 0 && key.join() === bound.table.primaryKey.join() };
  }
  return undefined;
}

type Outcome =
  | { kind: 'unchanged'; values: Row }
  | { kind: 'change'; change: Change; keyAtApply: boolean };

function evidenceOf(r: Resolved): Evidence {
  return { source: r.record.source, record: r.record.id, ref: r.record.ref, rule: r.rule };
}

/** Equal text is equal value; different text may still be (90 vs 90.00), so fall back to the type's key. */
function sameValue(meta: CatalogColumn, a: string | null, b: string | null): boolean {
  return a === b || comparisonKey(meta, a) === comparisonKey(meta, b);
}

/**
 * Most records describe rows the backup already has, unchanged. Recognise that
 * case (one record, one backup row, every value equal) without building evidence.
 */
function isPlainlyUnchanged(group: Group, bound: BoundMapping, columns: Map<string, CatalogColumn>): boolean {
  const [member] = group.members;
  const [row] = group.rows;
  if (group.members.length !== 1 || group.rows.length !== 1 || !member || !row || member.problems.size) return false;
  for (const [column, value] of member.texts.entries()) {
    if (!sameValue(columns.get(column) as CatalogColumn, value, row[column] ?? null)) return false;
  }
  return true;
}

function classifyGroup(group: Group, bound: BoundMapping, columns: Map<string, CatalogColumn>): Outcome {
  if (isPlainlyUnchanged(group, bound, columns)) return { kind: 'unchanged', values: group.rows[0] as Row };
  const table = bound.table;
  const name = tableKey(table);
  const values = columnRecord<string | null>();
  const evidence = columnRecord<Evidence[]>();
  const disagreements = columnRecord<Disagreement>();
  const conflicts = columnRecord<Alternative[]>();
  const problems: Array<{ reason: UnrecoverableReason; message: string }> = [];
  if (group.members.length === 1) {
    // One record (a new row, most of a recovery): each value is what it says, nothing to merge.
    const member = group.members[0] as Resolved;
    const shared = evidenceOf(member);
    for (const { name: column } of table.columns) {
      const value = member.texts.get(column);
      if (value !== undefined) {
        values[column] = value;
        evidence[column] = [shared];
        continue;
      }
      const problem = member.problems.get(column);
      if (problem) problems.push(problem);
    }
  } else {
    mergeMembers(group, bound, columns, { values, evidence, disagreements, conflicts, problems });
  }

  const naturalId = describeRow(bound, values, group);
  const base = (kind: Change['kind'], id: string): Change => ({
    id,
    table: name,
    kind,
    key: {},
    values,
    evidence,
    ...(Object.keys(disagreements).length ? { disagreements } : {}),
  });

  if (group.rows.length > 1) {
    const pks = group.rows.map((r) => table.primaryKey.map((c) => `${c}=${r[c]}`).join(',')).join(' and ');
    return unrecoverable(base('unrecoverable', `${name}@${naturalId}`), 'ambiguous-match', `the sources' keys point at more than one backup row (${pks}); fix the match keys or the data`);
  }

  const row = group.rows[0];
  if (row) {
    const key = Object.fromEntries(table.primaryKey.map((c) => [c, row[c] as string]));
    const id = `${name}#${table.primaryKey.map((c) => row[c]).join(',')}`;
    for (const c of table.primaryKey) {
      const v = values[c];
      if (v !== undefined && v !== null && comparisonKey(columns.get(c) as CatalogColumn, v) !== comparisonKey(columns.get(c) as CatalogColumn, row[c] ?? null)) {
        return unrecoverable(base('unrecoverable', id), 'ambiguous-match', `sources say ${c} = ${v}, but the backup row they match by a natural key has ${c} = ${row[c]}`);
      }
    }
    // keep_existing keeps a value the backup has; a NULL there is no value, and sources fill it.
    const keptFromBackup = (column: string) => bound.mapping.keepExisting.has(column) && row[column] != null;
    const changed = columnRecord<string | null>();
    const old = columnRecord<string | null>();
    const changedEvidence = columnRecord<Evidence[]>();
    for (const [column, value] of Object.entries(values)) {
      if (table.primaryKey.includes(column) || keptFromBackup(column)) continue;
      if (sameValue(columns.get(column) as CatalogColumn, value, row[column] ?? null)) continue;
      const ref = keyRefOf(value);
      if (ref !== undefined) {
        // An UPDATE sets constants only: a key the target makes at apply time is not one yet.
        problems.push({ reason: 'missing-parent', message: `${column} would point at ${ref}, a row inserted with a key the target assigns at apply time; set it after the apply` });
        continue;
      }
      changed[column] = value;
      old[column] = row[column] ?? null;
      changedEvidence[column] = evidence[column] ?? [];
    }
    const notes = problems.map((p) => `not updated: ${p.message}`);
    for (const column of bound.mapping.keepExisting) if (keptFromBackup(column)) delete conflicts[column];
    if (Object.keys(conflicts).length) {
      for (const column of Object.keys(conflicts)) old[column] = row[column] ?? null;
      return {
        kind: 'change',
        keyAtApply: false,
        change: { ...base('conflict', id), key, values: changed, old, evidence: changedEvidence, conflicts, ...(notes.length ? { notes } : {}) },
      };
    }
    if (Object.keys(changed).length === 0) return { kind: 'unchanged', values: row };
    const relevant = Object.fromEntries(Object.entries(disagreements).filter(([c]) => c in changed));
    return {
      kind: 'change',
      keyAtApply: false,
      change: {
        id,
        table: name,
        kind: 'update',
        key,
        values: changed,
        old,
        evidence: changedEvidence,
        ...(Object.keys(relevant).length ? { disagreements: relevant } : {}),
        ...(notes.length ? { notes } : {}),
      },
    };
  }

  // A row the backup does not have.
  const hasKey = table.primaryKey.length > 0 && table.primaryKey.every((c) => values[c] != null);
  const id = hasKey ? `${name}#${table.primaryKey.map((c) => idPart(values[c] as string)).join(',')}` : `${name}@${naturalId}`;
  if (problems.length) {
    const first = problems[0] as { reason: UnrecoverableReason; message: string };
    return unrecoverable(base('unrecoverable', id), first.reason, problems.map((p) => p.message).join('; '));
  }
  // No source proves the key: the target makes one when the patch is applied.
  const generated = hasKey ? undefined : keyGeneratorOf(table);
  if (!hasKey && !generated) {
    return unrecoverable(
      base('unrecoverable', id),
      'unknown-key',
      `no source gives the primary key (${table.primaryKey.join(', ') || 'the table has none'}) and the target cannot make one (no sequence behind it, no uuid default)`,
    );
  }
  const keyColumn = generated?.column;
  // A disputed column will have a value once someone decides; a column nobody gives never will.
  const refs = takeKeyRefs(values);
  const missing = table.columns.filter(
    (c) => c.notNull && c.default === null && c.identity === null && !c.generated && values[c.name] == null && !(c.name in refs) && !(c.name in conflicts) && c.name !== keyColumn,
  );
  if (missing.length) {
    return unrecoverable(
      base('unrecoverable', id),
      'missing-required',
      `no source gives the required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => c.name).join(', ')}`,
    );
  }
  if (keyColumn !== undefined) refs[keyColumn] = id;
  const key = hasKey ? Object.fromEntries(table.primaryKey.map((c) => [c, values[c] as string])) : {};
  const withRefs = Object.keys(refs).length ? { keyRefs: refs } : {};
  if (Object.keys(conflicts).length) {
    return { kind: 'change', keyAtApply: keyColumn !== undefined, change: { ...base('conflict', id), key, ...withRefs, conflicts } };
  }
  const defaulted = table.columns.filter((c) => values[c.name] == null && !c.generated && !(c.name in refs)).map((c) => c.name);
  const change: Change = {
    ...base('insert', id),
    key,
    ...withRefs,
    ...(defaulted.length ? { defaulted } : {}),
  };
  return { kind: 'change', change, keyAtApply: keyColumn !== undefined };
}

/** What merging a group's claims column by column gives (classifyGroup fills these). */
interface Merged {
  values: Record<string, string | null>;
  evidence: Record<string, Evidence[]>;
  disagreements: Record<string, Disagreement>;
  conflicts: Record<string, Alternative[]>;
  problems: Array<{ reason: UnrecoverableReason; message: string }>;
}

/** Merges the claims of a group of several records, column by column, in table order. */
function mergeMembers(group: Group, bound: BoundMapping, columns: Map<string, CatalogColumn>, out: Merged): void {
  const { values, evidence, disagreements, conflicts, problems } = out;
  const table = bound.table;
  // Each member's texts unpacked once (a lookup in the packed form scans it: once per column was a third of this).
  const textsOf = group.members.map((m) => new Map(m.texts.entries()));
  const columnNames = new Set<string>();
  group.members.forEach((m, j) => {
    for (const c of (textsOf[j] as Map<string, string>).keys()) columnNames.add(c);
    for (const c of m.problems.keys()) columnNames.add(c);
  });

  // Table order, so that changes read like the table does.
  // One evidence object per record, shared by every column it gives.
  const evidenceOfMember = group.members.map(evidenceOf);
  for (const { name: column } of table.columns) {
    if (!columnNames.has(column)) continue;
    const claims: Claim[] = [];
    group.members.forEach((m, j) => {
      const value = (textsOf[j] as Map<string, string>).get(column);
      if (value !== undefined) claims.push({ value, evidence: evidenceOfMember[j] as Evidence, time: m.record.time });
    });
    if (claims.length === 0) {
      const first = group.members.map((m) => m.problems.get(column)).find((p) => p !== undefined);
      if (first) problems.push(first);
      continue;
    }
    const meta = columns.get(column) as CatalogColumn;
    const policy = bound.mapping.merge[column] ?? (bound.mapping.prefer.length ? { kind: 'prefer' as const, sources: bound.mapping.prefer } : undefined);
    const merged = mergeClaims(meta, claims, policy);
    if (merged.kind === 'conflict') {
      conflicts[column] = merged.alternatives;
      continue;
    }
    values[column] = merged.value;
    evidence[column] = merged.evidence;
    if (merged.kind === 'resolved') disagreements[column] = merged.disagreement;
  }
}

/**
 * Moves the columns whose value is a key the target assigns at apply time (a parent
 * rebuilt in this run without a key) out of `values`: column -> the parent's change id.
 */
function takeKeyRefs(values: Record<string, string | null>): Record<string, string> {
  const refs = columnRecord<string>();
  // for...in, not Object.entries: once per new row, the entries' arrays were most of its cost.
  // (values has no prototype, and only the column being visited is deleted.)
  for (const column in values) {
    const ref = keyRefOf(values[column]);
    if (ref === undefined) continue;
    refs[column] = ref;
    delete values[column];
  }
  return refs;
}

function unrecoverable(change: Change, reason: UnrecoverableReason, detail: string): Outcome {
  return { kind: 'change', keyAtApply: false, change: { ...change, kind: 'unrecoverable', reason, detail } };
}

/** A readable identity for a row without a key: its first natural key, else its first record. */
function describeRow(bound: BoundMapping, values: Record<string, string | null>, group: Group): string {
  for (const key of bound.matchKeys) {
    if (key.every((c) => values[c] != null)) return key.map((c) => `${c}=${idPart(values[c] as string)}`).join(',');
  }
  const first = group.members[0]?.record;
  return first ? `record=${first.ref}` : 'unknown';
}

/**
 * A key value as a change id shows it: a reference to a row whose key the target makes at
 * apply time is shown as that row's change id, in brackets (the reference itself carries
 * a marker made anew each run, and ids must be the same from run to run).
 */
function idPart(value: string): string {
  const ref = keyRefOf(value);
  return ref === undefined ? value : `[${ref}]`;
}
