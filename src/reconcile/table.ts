import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { tableKey } from '../db/catalog.js';
import type { BoundMapping } from '../mapping/check-catalog.js';
import type { Alternative, Change, Disagreement, Evidence, TableCounts, UnrecoverableReason } from './changeset.js';
import { LookupIndex } from './lookup-index.js';
import { mergeClaims, type Claim } from './merge.js';
import { comparisonKey, toColumnText } from './normalize.js';
import { collectGarbage, memoryCheckpoint } from '../runtime/memory.js';
import { NO_PROGRESS, type Progress } from '../runtime/progress.js';
import { digestOfTexts, Fingerprints, foldColumn } from './fingerprints.js';
import { addProblem, type CandidateStore, type PreparedCandidate } from './prepared.js';
import { scoreChange } from './confidence.js';
import { columnRecord } from './own.js';
import { SettledGroups } from './settled.js';
import { UnionFind } from './union-find.js';
import { candidateKeys, rowKeys } from './match-keys.js';

export type Row = Record<string, string | null>;

export interface TableInput {
  bound: BoundMapping;
  /** The table's candidates, prepared as the rules produced them; their lookups are resolved here. */
  candidates: CandidateStore;
  /** Indexes of the tables this one looks up into (already filled: parents go first). */
  parentIndexes: Map<string, LookupIndex>;
  /** Indexes that children will look up in this table; filled here. */
  ownIndexes: LookupIndex[];
  /** Streams every backup row of the table (text values). */
  backupRows: () => AsyncIterable<Row>;
  /** The highest key value already handed out by the backup's sequence, if any. */
  sequenceFloor?: bigint;
  progress?: Progress;
}

export interface TableResult {
  changes: Change[];
  counts: TableCounts;
}

type Resolved = PreparedCandidate;


interface Group {
  members: Resolved[];
  rows: Row[];
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

  // First pass over the candidates: resolve their lookups, key them and fingerprint
  // what they say. Only keys and fingerprints are kept, not the candidates.
  const keyOwner = new Map<string, number>();
  const byKeys = new UnionFind(n);
  const keysOf = new Array<string | string[]>(n);
  const fingerprints = new Fingerprints(n, columns);
  const firstPass = new FirstPass(store, bound, columns, input.parentIndexes, fingerprints);
  const own = (key: string, i: number) => {
    // Candidates that share a key are one row, whatever the backup says.
    const owner = keyOwner.get(key);
    if (owner === undefined) keyOwner.set(key, i);
    else byKeys.union(i, owner);
  };
  const keying = progress.stage(`${name}: key candidates`, n);
  for (let i = 0; i < n; i++) {
    memoryCheckpoint();
    keying.add();
    const keys = firstPass.keysAndDigest(i);
    keysOf[i] = keys;
    if (typeof keys === 'string') own(keys, i);
    else for (const k of keys) own(k, i);
  }
  keying.end();
  collectGarbage(); // the decoded candidates of the first pass
  // Group sizes by root, in a typed array: a Map of a million numbers costs ten times more.
  const size = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const root = byKeys.find(i);
    size[root] = (size[root] ?? 0) + 1;
  }

  // One pass over the backup. Most records describe a row exactly as the backup has
  // it: such a group is settled as unchanged on the spot and neither the row nor the
  // candidate is kept. Only rows that may change something are kept for the full merge.
  const rows: Row[] = [];
  const rowForKey = new Map<string, number>();
  const pkColumn = table.primaryKey.length === 1 ? (table.primaryKey[0] as string) : undefined;
  const keyText = pkColumn !== undefined ? (row: Row) => row[pkColumn] ?? '' : (row: Row) => table.primaryKey.map((c) => row[c] ?? '').join('\u0001');
  const integerKey = pkColumn !== undefined && isIntegerColumn(columns.get(pkColumn));
  const settled = new SettledGroups(n, integerKey); // candidate group root -> key of the row it matched
  let maxKeyText: string | undefined;
  const keep = (row: Row, keys: string[]) => {
    const at = rows.length;
    rows.push(row);
    for (const k of keys) if (keyOwner.has(k)) rowForKey.set(k, at);
  };
  /** A group settled as unchanged that meets another backup row needs the full merge after all. */
  const unsettle = (root: number, row: Row, alone: boolean) => {
    const first = settled.get(root);
    if (first === undefined || (alone && first === keyText(row))) return;
    settled.delete(root);
    keep(stubRow(table, first), keyList(keysOf[root]));
  };
  const scanning = progress.stage(`${name}: compare with the backup`);
  for await (const row of input.backupRows()) {
    memoryCheckpoint();
    scanning.add();
    if (integerKey && pkColumn && row[pkColumn] != null) maxKeyText = greaterInteger(maxKeyText, row[pkColumn] as string);
    for (const index of input.ownIndexes) {
      const byValue = row[index.by];
      if (byValue == null) continue;
      const nk = comparisonKey(columns.get(index.by) as CatalogColumn, byValue);
      const ref = row[index.refColumn];
      if (index.requested.has(nk) && ref != null) index.set(nk, { value: ref });
    }
    const keys = rowKeys(row, bound.matchKeys, columns);
    // The candidate groups the row's keys lead to: usually one, and then no Set is made.
    let root = -1;
    let roots: Set<number> | undefined;
    for (const k of keys) {
      const owner = keyOwner.get(k);
      if (owner === undefined) continue;
      const r = byKeys.find(owner);
      if (root < 0) root = r;
      else if (r !== root) (roots ??= new Set([root])).add(r);
    }
    if (root < 0) continue;
    // A row that matches several groups links them (or is ambiguous): they all get the full merge.
    if (roots) for (const r of roots) unsettle(r, row, false);
    else unsettle(root, row, true);
    // One record, one backup row, every value equal: unchanged (a group of one is its own root).
    if (!roots && size[root] === 1 && !rowForKeyHitsGroup(root) && fingerprints.matches(root, row)) {
      settled.set(root, keyText(row));
      continue;
    }
    keep(row, keys);
  }
  scanning.end();
  const maxKey = maxKeyText === undefined ? undefined : BigInt(maxKeyText);

  function rowForKeyHitsGroup(root: number): boolean {
    const keys = keysOf[root] as string | string[];
    return typeof keys === 'string' ? rowForKey.has(keys) : keys.some((k) => rowForKey.has(k));
  }

  collectGarbage(); // the backup rows of the scan
  // Second pass: only the candidates whose rows may change are decoded again, in full.
  const open = new Array<Resolved | undefined>(n);
  for (let i = 0; i < n; i++) {
    if (settled.has(i)) continue;
    memoryCheckpoint();
    const candidate = store.get(i);
    resolveLookups(candidate, bound, columns, input.parentIndexes);
    open[i] = candidate;
  }
  const uf = new UnionFind(n + rows.length);
  open.forEach((r, i) => {
    if (!r) return;
    for (const k of r.keys) {
      uf.union(i, keyOwner.get(k) as number);
      const rowIndex = rowForKey.get(k);
      if (rowIndex !== undefined) uf.union(i, n + rowIndex);
    }
  });
  const counts: TableCounts = { insert: 0, update: 0, unchanged: settled.size, conflict: 0, unrecoverable: 0 };
  const groups = new Map<number, Group>();
  open.forEach((r, i) => {
    if (!r) return;
    const root = uf.find(i);
    const g = groups.get(root) ?? { members: [], rows: [] };
    g.members.push(r);
    groups.set(root, g);
  });
  rows.forEach((row, j) => {
    const g = groups.get(uf.find(n + j));
    if (g) g.rows.push(row);
  });
  // Everything but the groups can go before the changes are built (peak memory, issue 7).
  store.clear();
  keyOwner.clear();
  rowForKey.clear();
  settled.clear();
  open.length = 0;
  rows.length = 0;
  keysOf.length = 0;
  collectGarbage();

  const changes: Change[] = [];
  const needKeys: Array<{ change: Change; order: string }> = [];
  const merging = progress.stage(`${name}: merge changed rows`, groups.size);
  for (const [root, group] of groups) {
    merging.add();
    // A classified group's candidates are done with; its change keeps what it needs.
    groups.delete(root);
    memoryCheckpoint(group.members.length);
    const outcome = classifyGroup(group, bound, columns);
    if (outcome.kind === 'unchanged') {
      // Children find unchanged rows through the backup scan above, which indexed every row.
      counts.unchanged++;
      continue;
    }
    counts[outcome.change.kind]++;
    changes.push(outcome.change);
    if (outcome.needsKey) needKeys.push({ change: outcome.change, order: outcome.order });
    if (outcome.change.kind !== 'unrecoverable') {
      outcome.change.confidence = scoreChange({
        matchedBy: matchedKey(group, bound, columns),
        sources: group.members.map((m) => m.record.source),
        disagreements: Object.keys(outcome.change.disagreements ?? {}),
        keyAssigned: outcome.needsKey,
      });
    }
  }

  merging.end();
  assignKeys(table, needKeys, changes, maxKey, input.sequenceFloor);
  registerForChildren(input.ownIndexes, changes, columns, table);
  changes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { changes, counts };
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

/** A row known only by its key (all an ambiguity report needs). */
function stubRow(table: CatalogTable, keyText: string): Row {
  const values = keyText.split('\u0001');
  return Object.fromEntries(table.primaryKey.map((c, i) => [c, values[i] ?? null]));
}

function isIntegerColumn(c: CatalogColumn | undefined): boolean {
  return c !== undefined && (c.typeName === 'int2' || c.typeName === 'int4' || c.typeName === 'int8');
}

/**
 * The first pass's work on one candidate: its match keys, and its digest noted. The
 * mapper made both already except for looked-up columns: those are resolved here
 * (parents are reconciled first) and folded in, reading only the candidate's lookups.
 * A candidate whose key is itself looked up is decoded in full. Nothing is allocated
 * for a candidate without lookups: this runs a million times.
 */
class FirstPass {
  private readonly baseSets: number[] = [];
  private readonly lanes = { a: 0, b: 0 };
  private readonly links = new Map<string, { index: LookupIndex | undefined; meta: CatalogColumn } | undefined>();

  constructor(
    private readonly store: CandidateStore,
    private readonly bound: BoundMapping,
    private readonly columns: Map<string, CatalogColumn>,
    private readonly parentIndexes: Map<string, LookupIndex>,
    private readonly fingerprints: Fingerprints,
  ) {}

  keysAndDigest(i: number): string | string[] {
    const { store, fingerprints } = this;
    const keys = store.keysAt(i);
    if (keys === undefined) {
      const candidate = store.get(i);
      resolveLookups(candidate, this.bound, this.columns, this.parentIndexes);
      if (candidate.problems.size === 0) fingerprints.note(i, digestOfTexts(candidate.texts.entries(), this.columns));
      return candidate.keys;
    }
    const set = store.digestSetAt(i);
    if (set < 0) return keys; // a problem: the full merge reports it
    const lanes = this.lanes;
    lanes.a = store.digestLanesAt(i, 0);
    lanes.b = store.digestLanesAt(i, 1);
    if (!store.hasLookupsAt(i)) {
      fingerprints.noteLanes(i, lanes.a, lanes.b, (this.baseSets[set] ??= fingerprints.setOf(String(set), () => store.columnsOfSet(set))));
      return keys;
    }
    const extra: string[] = [];
    for (const lookup of store.lookupsOf(i)) {
      const link = this.link(lookup.column);
      if (!link) continue;
      const entry = lookup.naturalKey !== null && link.index ? link.index.resolve(lookup.naturalKey) : undefined;
      if (entry && 'value' in entry) {
        foldColumn(lanes, lookup.column, comparisonKey(link.meta, entry.value));
        extra.push(lookup.column);
      } else if (!lookup.optional) {
        return keys; // a problem: the full merge reports it
      }
    }
    const setKey = extra.length ? `${set}\u0001${extra.join('\u0000')}` : String(set);
    fingerprints.noteLanes(i, lanes.a, lanes.b, fingerprints.setOf(setKey, () => [...store.columnsOfSet(set), ...extra]));
    return keys;
  }

  /** The parent index a lookup column resolves in, and the column's own type (once per column). */
  private link(column: string): { index: LookupIndex | undefined; meta: CatalogColumn } | undefined {
    if (this.links.has(column)) return this.links.get(column);
    const link = this.bound.lookups.get(column);
    const meta = this.columns.get(column);
    const found = link && meta ? { index: this.parentIndexes.get(LookupIndex.keyOf(tableKey(link.parent), link.by, link.refColumn)), meta } : undefined;
    this.links.set(column, found);
    return found;
  }
}

function keyList(keys: string | string[] | undefined): string[] {
  return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
}

/** The greater of two integers in PostgreSQL's text form (no leading zeros), without BigInt for the usual positive ones. */
function greaterInteger(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  if (a[0] !== '-' && b[0] !== '-') return b.length > a.length || (b.length === a.length && b > a) ? b : a;
  return BigInt(b) > BigInt(a) ? b : a;
}

/** Resolves a candidate's lookups into its texts (parents are reconciled first), then its match keys. */
function resolveLookups(
  candidate: PreparedCandidate,
  bound: BoundMapping,
  columns: Map<string, CatalogColumn>,
  parentIndexes: Map<string, LookupIndex>,
): void {
  for (const [column, request] of Object.entries(candidate.lookups ?? {})) {
    const link = bound.lookups.get(column);
    if (!link) continue;
    const index = parentIndexes.get(LookupIndex.keyOf(tableKey(link.parent), link.by, link.refColumn));
    const byColumn = link.parent.columns.find((c) => c.name === link.by) as CatalogColumn;
    const key = toColumnText(byColumn, request.key);
    const entry = key.ok && index ? index.resolve(comparisonKey(byColumn, key.text)) : { reason: key.ok ? 'lookup index missing' : key.error };
    if ('value' in entry) candidate.texts.set(column, entry.value);
    else if (!request.optional) addProblem(candidate, column, { reason: 'missing-parent', message: `${column}: ${entry.reason}` });
  }
  candidate.lookups = undefined;
  candidate.keys = candidateKeys((c) => candidate.texts.get(c), bound.matchKeys, columns);
}

type Outcome =
  | { kind: 'unchanged'; values: Row }
  | { kind: 'change'; change: Change; needsKey: boolean; order: string };

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
  // Each member's texts unpacked once (a lookup in the packed form scans it: once per column was a third of this).
  const textsOf = group.members.map((m) => new Map(m.texts.entries()));
  const columnNames = new Set<string>();
  group.members.forEach((m, j) => {
    for (const c of (textsOf[j] as Map<string, string>).keys()) columnNames.add(c);
    for (const c of m.problems.keys()) columnNames.add(c);
  });

  const problems: Array<{ reason: UnrecoverableReason; message: string }> = [];
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

  const order = group.members.map((m) => m.record.time).sort()[0] ?? '';
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
    const changed = columnRecord<string | null>();
    const old = columnRecord<string | null>();
    const changedEvidence = columnRecord<Evidence[]>();
    for (const [column, value] of Object.entries(values)) {
      if (table.primaryKey.includes(column) || bound.mapping.keepExisting.has(column)) continue;
      if (sameValue(columns.get(column) as CatalogColumn, value, row[column] ?? null)) continue;
      changed[column] = value;
      old[column] = row[column] ?? null;
      changedEvidence[column] = evidence[column] ?? [];
    }
    const notes = problems.map((p) => `not updated: ${p.message}`);
    for (const column of bound.mapping.keepExisting) delete conflicts[column];
    if (Object.keys(conflicts).length) {
      for (const column of Object.keys(conflicts)) old[column] = row[column] ?? null;
      return {
        kind: 'change',
        needsKey: false,
        order,
        change: { ...base('conflict', id), key, values: changed, old, evidence: changedEvidence, conflicts, ...(notes.length ? { notes } : {}) },
      };
    }
    if (Object.keys(changed).length === 0) return { kind: 'unchanged', values: row };
    const relevant = Object.fromEntries(Object.entries(disagreements).filter(([c]) => c in changed));
    return {
      kind: 'change',
      needsKey: false,
      order,
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
  const id = hasKey ? `${name}#${table.primaryKey.map((c) => values[c]).join(',')}` : `${name}@${naturalId}`;
  if (problems.length) {
    const first = problems[0] as { reason: UnrecoverableReason; message: string };
    return unrecoverable(base('unrecoverable', id), first.reason, problems.map((p) => p.message).join('; '));
  }
  const keyFromSequence = !hasKey && table.primaryKey.length === 1 && canGenerate(table, table.primaryKey[0] as string);
  if (!hasKey && !keyFromSequence) {
    return unrecoverable(base('unrecoverable', id), 'unknown-key', `no source gives the primary key (${table.primaryKey.join(', ') || 'the table has none'}) and no sequence can generate it`);
  }
  // A disputed column will have a value once someone decides; a column nobody gives never will.
  const missing = table.columns.filter(
    (c) =>
      c.notNull && c.default === null && c.identity === null && !c.generated && values[c.name] == null && !(c.name in conflicts) && !(keyFromSequence && c.name === table.primaryKey[0]),
  );
  if (missing.length) {
    return unrecoverable(
      base('unrecoverable', id),
      'missing-required',
      `no source gives the required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => c.name).join(', ')}`,
    );
  }
  const key = hasKey ? Object.fromEntries(table.primaryKey.map((c) => [c, values[c] as string])) : {};
  if (Object.keys(conflicts).length) {
    // Keyed now, so that a decision later turns it into an ordinary insert.
    return { kind: 'change', needsKey: keyFromSequence, order: `${order}\u0000${naturalId}`, change: { ...base('conflict', id), key, conflicts } };
  }
  const defaulted = table.columns
    .filter((c) => values[c.name] == null && !c.generated && !(keyFromSequence && c.name === table.primaryKey[0]))
    .map((c) => c.name);
  const change: Change = {
    ...base('insert', id),
    key,
    ...(defaulted.length ? { defaulted } : {}),
  };
  return { kind: 'change', change, needsKey: keyFromSequence, order: `${order}\u0000${naturalId}` };
}

function canGenerate(table: CatalogTable, column: string): boolean {
  const meta = table.columns.find((c) => c.name === column);
  return table.sequences[column] !== undefined && isIntegerColumn(meta) && meta?.identity !== 'a';
}

function unrecoverable(change: Change, reason: UnrecoverableReason, detail: string): Outcome {
  return { kind: 'change', needsKey: false, order: '', change: { ...change, kind: 'unrecoverable', reason, detail } };
}

/** A readable identity for a row without a key: its first natural key, else its first record. */
function describeRow(bound: BoundMapping, values: Record<string, string | null>, group: Group): string {
  for (const key of bound.matchKeys) {
    if (key.every((c) => values[c] != null)) return key.map((c) => `${c}=${values[c]}`).join(',');
  }
  const first = group.members[0]?.record;
  return first ? `record=${first.ref}` : 'unknown';
}

/** New rows get keys above everything the backup's sequence and the sources have used, in creation order. */
function assignKeys(
  table: CatalogTable,
  needKeys: Array<{ change: Change; order: string }>,
  changes: Change[],
  backupMax: bigint | undefined,
  sequenceFloor: bigint | undefined,
): void {
  const pk = table.primaryKey[0];
  if (!pk || needKeys.length === 0) return;
  let next = [backupMax ?? 0n, sequenceFloor ?? 0n]
    .concat(changes.filter((c) => c.kind !== 'unrecoverable' && c.key[pk] !== undefined).map((c) => BigInt(c.key[pk] as string)))
    .reduce((a, b) => (b > a ? b : a), 0n);
  needKeys.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  for (const { change } of needKeys) {
    next += 1n;
    const value = next.toString();
    change.key = { [pk]: value };
    change.keyAssigned = true;
    change.values = Object.assign(columnRecord<string | null>(), { [pk]: value }, change.values);
    change.id = `${change.table}#${value}`;
  }
}

/** Tells children's lookups where each rebuilt or matched row is (or why it is not). */
function registerForChildren(indexes: LookupIndex[], changes: Change[], columns: Map<string, CatalogColumn>, table: CatalogTable): void {
  for (const index of indexes) {
    const byMeta = columns.get(index.by) as CatalogColumn;
    const note = (by: string | null | undefined, entry: { value: string } | { reason: string }) => {
      if (by == null) return;
      const nk = comparisonKey(byMeta, by);
      if (index.requested.has(nk)) index.set(nk, entry);
    };
    for (const change of changes) {
      const by = change.values[index.by] ?? change.old?.[index.by] ?? undefined;
      const ref = change.values[index.refColumn] ?? change.key[index.refColumn];
      if (change.kind === 'insert' || change.kind === 'update') {
        // An update keeps its backup row; the backup scan already indexed its old natural key.
        if (ref != null) note(by, { value: ref });
      } else if (change.kind === 'conflict') {
        // A disputed row the backup has stays findable through the backup scan; a new one is not there yet.
        if (change.old === undefined) note(by, { reason: `the ${tableKey(table)} row ${change.id} is a conflict awaiting review` });
      } else {
        note(by, { reason: `the ${tableKey(table)} row ${change.id} is unrecoverable: ${change.detail}` });
      }
    }
  }
}
