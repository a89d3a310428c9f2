import type { CatalogColumn } from '../db/catalog-types.js';
import { tableKey } from '../db/table-names.js';
import type { BoundMapping, LookupLink } from '../mapping/check-catalog.js';
import { digestOfTexts, Fingerprints, type DigestArrays } from './fingerprints.js';
import { foldColumn } from '../runtime/lane-hash.js';
import { LookupIndex, type LookupEntry } from './lookup-index.js';
import { compositeNaturalKey, type CompositePart } from './composite-lookup.js';
import { candidateKeys } from './match-keys.js';
import { comparisonKey, toColumnText } from '../values/normalize.js';
import { addProblem, type CandidateStore, type PreparedCandidate } from './prepared.js';
import { collectGarbage, memoryCheckpoint } from '../runtime/memory.js';
import type { StageProgress } from '../runtime/progress.js';
import { UnionFind } from './union-find.js';
import { KeyOwners } from './key-owners.js';
import type { KeyTexts } from './key-texts.js';

/** What reconcile's first pass leaves of a table's candidates: their keys, groups by key, and digests. */
export interface KeyedCandidates {
  /** Match key -> the first candidate that has it. */
  keyOwner: KeyOwners;
  /** Candidates that share a key, joined. */
  byKeys: UnionFind;
  /** Each candidate's match keys: one as a string, several as an array. */
  keysOf: KeyTexts;
  fingerprints: Fingerprints;
  /** Candidates per group, at each group's root, counted up to 2: what is asked is whether a group is one candidate. */
  size: Uint8Array;
}

/**
 * The first pass over a table's candidates: resolves their lookups, keys them and
 * fingerprints what they say. Only keys and fingerprints are kept, not the candidates.
 */
export function keyCandidates(
  store: CandidateStore,
  bound: BoundMapping,
  columns: Map<string, CatalogColumn>,
  parentIndexes: Map<string, LookupIndex>,
  keying: StageProgress,
): KeyedCandidates {
  const n = store.size;
  const byKeys = new UnionFind(n);
  const keysOf = store.takeKeys();
  const keyOwner = new KeyOwners(keysOf);
  // The mapper's digests become the fingerprints in place, one candidate at a time.
  const digests = store.takeDigests();
  const fingerprints = new Fingerprints(n, columns, digests);
  const firstPass = new FirstPass(store, keysOf, digests, bound, columns, parentIndexes, fingerprints);
  const own = (key: string, i: number) => {
    // Candidates that share a key are one row, whatever the backup says.
    const owner = keyOwner.claim(key, i);
    if (owner !== i) byKeys.union(i, owner);
  };
  for (let i = 0; i < n; i++) {
    memoryCheckpoint();
    keying.add();
    const keys = firstPass.keysAndDigest(i);
    if (typeof keys === 'string') own(keys, i);
    else for (const k of keys) own(k, i);
  }
  keying.end();
  store.releaseFirstPass();
  collectGarbage(); // the decoded candidates of the first pass, and the store's keys and digests
  // Group sizes by root, in a byte each: a Map of a million numbers costs ten times more.
  const size = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const root = byKeys.find(i);
    if ((size[root] as number) < 2) size[root] = (size[root] as number) + 1;
  }
  return { keyOwner, byKeys, keysOf, fingerprints, size };
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
  /** Per link of the bound mapping (see PendingLookup): its parent index and the child column's type, once each. */
  private readonly links: Array<{ index: LookupIndex | undefined; meta: CatalogColumn } | undefined> = [];

  constructor(
    private readonly store: CandidateStore,
    /** The candidates' keys; those the mapper could not know are set here. */
    private readonly keysOf: KeyTexts,
    /** The mapper's digests, in the arrays `fingerprints` writes to: each is read before it is replaced. */
    private readonly digests: DigestArrays,
    private readonly bound: BoundMapping,
    private readonly columns: Map<string, CatalogColumn>,
    private readonly parentIndexes: Map<string, LookupIndex>,
    private readonly fingerprints: Fingerprints,
  ) {}

  keysAndDigest(i: number): string | string[] {
    const { store, fingerprints, digests } = this;
    const keys = this.keysOf.of(i);
    const set = digests.sets[i] as number;
    const lanes = this.lanes;
    lanes.a = digests.a[i] as number;
    lanes.b = digests.b[i] as number;
    // No fingerprint until one is noted below: a candidate with a problem never matches.
    fingerprints.forget(i);
    if (keys === undefined) {
      const candidate = store.get(i);
      resolveLookups(candidate, this.bound, this.columns, this.parentIndexes);
      if (candidate.problems.size === 0) fingerprints.note(i, digestOfTexts(candidate.texts, this.columns));
      this.keysOf.set(i, candidate.keys);
      return candidate.keys;
    }
    if (set < 0) return keys; // a problem: the full merge reports it
    if (!store.hasLookupsAt(i)) {
      fingerprints.noteLanes(i, lanes.a, lanes.b, (this.baseSets[set] ??= fingerprints.setOf(String(set), () => store.columnsOfSet(set))));
      return keys;
    }
    const extra: string[] = [];
    for (const lookup of store.lookupsOf(i)) {
      const link = this.link(lookup.link);
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

  /** The parent index a lookup resolves in, and its column's own type (once per link). */
  private link(at: number): { index: LookupIndex | undefined; meta: CatalogColumn } | undefined {
    if (at in this.links) return this.links[at];
    const link = this.bound.lookups[at];
    const meta = link && this.columns.get(link.column);
    const found = link && meta ? { index: this.parentIndexes.get(lookupIndexKey(link)), meta } : undefined;
    this.links[at] = found;
    return found;
  }
}

/** The parts of a lookup by several columns, with their types and the indexes their own lookups resolve in. */
export function compositeParts(link: LookupLink, parentIndexes: Map<string, LookupIndex>): CompositePart[] {
  return (link.parts ?? []).map((part) => {
    const meta = link.parent.columns.find((c) => c.name === part.column) as CatalogColumn;
    if (!part.nested) return { column: part.column, meta };
    const { parent, by, refColumn } = part.nested;
    const byMeta = parent.columns.find((c) => c.name === by) as CatalogColumn;
    return { column: part.column, meta, nested: { by: byMeta, index: parentIndexes.get(LookupIndex.keyOf(tableKey(parent), by, refColumn)) } };
  });
}

/** The key of the index a link resolves in: one per (parent table, by, referenced column). */
export function lookupIndexKey(link: LookupLink): string {
  return LookupIndex.keyOf(tableKey(link.parent), link.by, link.refColumn);
}

export function keyList(keys: string | string[] | undefined): string[] {
  return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
}

/**
 * Resolves a candidate's lookups into its texts (parents are reconciled first), then its
 * match keys unless `withKeys` is false (the merge has grouped it by them already).
 */
export function resolveLookups(
  candidate: PreparedCandidate,
  bound: BoundMapping,
  columns: Map<string, CatalogColumn>,
  parentIndexes: Map<string, LookupIndex>,
  withKeys = true,
): void {
  for (const [column, request] of Object.entries(candidate.lookups ?? {})) {
    const link = bound.lookups[request.link];
    if (!link || link.column !== column) continue;
    const index = parentIndexes.get(lookupIndexKey(link));
    let entry: LookupEntry;
    if (link.parts) {
      const key = compositeNaturalKey(compositeParts(link, parentIndexes), request.key);
      entry = 'reason' in key ? key : index ? index.resolve(key.key, key.shown) : { reason: 'lookup index missing' };
    } else {
      const byColumn = link.parent.columns.find((c) => c.name === link.by) as CatalogColumn;
      const key = toColumnText(byColumn, request.key);
      entry = key.ok && index ? index.resolve(comparisonKey(byColumn, key.text)) : { reason: key.ok ? 'lookup index missing' : key.error };
    }
    if ('value' in entry) candidate.texts.set(column, entry.value);
    else if (!request.optional) addProblem(candidate, column, { reason: 'missing-parent', message: `${column}: ${entry.reason}` });
  }
  candidate.lookups = undefined;
  if (withKeys) candidate.keys = candidateKeys((c) => candidate.texts.get(c), bound.matchKeys, columns);
}
