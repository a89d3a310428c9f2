import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import type { LookupLink } from '../mapping/check-catalog.js';
import type { Candidate, RuleEvaluator } from '../mapping/evaluate.js';
import type { SourceRecord } from '../records/envelope.js';
import type { Changeset, RuleFailureEntry, UnmappedRecords } from '../changeset/changeset.js';
import { LookupIndex } from './lookup-index.js';
import { compositeNaturalKey } from './composite-lookup.js';
import { comparisonKey, toColumnText } from '../values/normalize.js';
import { PrepMaker } from './candidate-prep.js';
import { ColumnLayout, encodeCandidate, prepareCandidate, type CandidatePrep, type LinkOf, type PendingLookup } from './prepared.js';
import { recordGist } from './record-gist.js';

const SAMPLE_LIMIT = 5;
const FAILURE_SAMPLE_LIMIT = 200;

/**
 * What the mapper needs to know of one mapped table: its columns, and for each
 * lookup column which parent index the looked-up natural key belongs to. Plain data,
 * so that it can be handed to a mapping worker.
 */
export interface MappedTableShape {
  /** The mapping's table name (as candidates name it). */
  name: string;
  table: CatalogTable;
  /**
   * The bound mapping's lookups, in its order (a candidate names one by its position):
   * the column, the parent as the rules write it, the parent's `by` column, and the key
   * of the index it resolves in.
   */
  lookups: ShapeLookup[];
  matchKeys: string[][];
}

/** One lookup link of a mapped table, as plain data (see MappedTableShape). */
export interface ShapeLookup {
  column: string;
  table: string;
  /** The parent column looked up by, or the name of several (`(a, b)`). */
  byName: string;
  /** The parent column's type, for a lookup by one column. */
  by?: CatalogColumn;
  index: string;
  /** A lookup by several columns: each part's type, and the index its own lookup asks, if any. */
  parts?: Array<{ column: string; meta: CatalogColumn; nested?: { by: CatalogColumn; index: string } }>;
}

/** One mapped candidate, ready for its table's store, and the lookup keys it asks for. */
export interface MappedCandidate {
  table: string;
  line: string;
  prep: CandidatePrep;
  /** [index key, natural key as compared] pairs. */
  lookups: Array<[string, string]>;
}

type RejectedBy = NonNullable<Changeset['sources'][number]['rejectedBy']>[number];

/**
 * Counts of one stretch of records: how many mapped, were rejected by a
 * rule, or met no rule, with samples. Stretches mapped apart (by workers) add up, in
 * file order, to exactly what one pass would have counted.
 */
export class MapTally {
  records = 0;
  mapped = 0;
  rejected = 0;
  unmappedCount = 0;
  readonly rejectedBy = new Map<string, RejectedBy>();
  readonly unmapped = new Map<string, UnmappedRecords>();
  failureCount = 0;
  readonly failureSamples: RuleFailureEntry[] = [];

  /** Adds a later stretch's counts; samples keep file order and their limits. */
  add(later: MapTallyData): void {
    this.records += later.records;
    this.mapped += later.mapped;
    this.rejected += later.rejected;
    this.unmappedCount += later.unmappedCount;
    for (const [key, entry] of later.rejectedBy) {
      const mine = this.rejectedBy.get(key);
      if (mine) mine.count += entry.count;
      else this.rejectedBy.set(key, { ...entry });
    }
    for (const [key, entry] of later.unmapped) {
      const mine = this.unmapped.get(key);
      if (!mine) this.unmapped.set(key, { ...entry, samples: [...entry.samples], gists: [...(entry.gists ?? [])] });
      else {
        mine.count += entry.count;
        entry.samples.forEach((s, i) => {
          if (mine.samples.length >= SAMPLE_LIMIT) return;
          mine.samples.push(s);
          (mine.gists ??= []).push(entry.gists?.[i] ?? '');
        });
      }
    }
    this.failureCount += later.failureCount;
    for (const f of later.failureSamples) if (this.failureSamples.length < FAILURE_SAMPLE_LIMIT) this.failureSamples.push(f);
  }

  /** A plain copy to post to the main thread: a class instance arrives there without its methods. */
  data(): MapTallyData {
    return {
      records: this.records,
      mapped: this.mapped,
      rejected: this.rejected,
      unmappedCount: this.unmappedCount,
      rejectedBy: [...this.rejectedBy],
      unmapped: [...this.unmapped],
      failureCount: this.failureCount,
      failureSamples: this.failureSamples,
    };
  }
}

export interface MapTallyData {
  records: number;
  mapped: number;
  rejected: number;
  unmappedCount: number;
  rejectedBy: Array<[string, RejectedBy]>;
  unmapped: Array<[string, UnmappedRecords]>;
  failureCount: number;
  failureSamples: RuleFailureEntry[];
}

/**
 * Turns a rule's candidate into its stored form at once, with its lookup keys, match
 * keys and digest: the raw values die young.
 */
export class CandidateEncoder {
  private readonly tables = new Map<string, MappedTable>();
  private readonly naturalKeys = new Map<string, string>();

  constructor(shapes: MappedTableShape[]) {
    for (const shape of shapes) {
      const lookedUp = new Set(shape.lookups.map((l) => l.column));
      const layout = new ColumnLayout(shape.table);
      this.tables.set(shape.name, {
        layout,
        lookups: shape.lookups,
        linkOf: linksOf(shape.lookups),
        // A key on a looked-up column is known only once the parent is: reconcile makes it then.
        // So is everything about a lookup by several columns (it is resolved in one place, in full).
        preps: new PrepMaker(layout.columns, shape.matchKeys, shape.matchKeys.some((key) => key.some((c) => lookedUp.has(c))) || shape.lookups.some((l) => l.parts !== undefined)),
      });
    }
  }

  /** Undefined for a table no mapping is bound to (reconcile has stopped before then). */
  encode(c: Candidate): MappedCandidate | undefined {
    const table = this.tables.get(c.table);
    if (!table) return undefined;
    const prepared = prepareCandidate(c, table.layout, table.linkOf);
    const lookups: Array<[string, string]> = [];
    let naturalKeys: Map<string, string> | undefined;
    if (prepared.lookups) {
      // One map for all candidates: encodeCandidate reads it and keeps nothing of it.
      this.naturalKeys.clear();
      for (const column in prepared.lookups) {
        const request = prepared.lookups[column] as PendingLookup;
        const link = table.lookups[request.link];
        if (!link) continue;
        if (link.parts) {
          askForComposite(link, link.parts, request.key, lookups);
          continue;
        }
        if (!link.by) continue;
        const text = toColumnText(link.by, request.key);
        if (!text.ok) continue;
        const naturalKey = comparisonKey(link.by, text.text);
        lookups.push([link.index, naturalKey]);
        (naturalKeys ??= this.naturalKeys).set(column, naturalKey);
      }
    }
    return { table: c.table, line: encodeCandidate(prepared, naturalKeys), lookups, prep: table.preps.prep(prepared) };
  }
}

/**
 * The keys a lookup by several columns asks its parents for: the whole natural key when
 * every part is a plain value, else each looked-up part's key from its own parent (the
 * parent of several columns then indexes every row, see LookupIndex).
 */
function askForComposite(link: ShapeLookup, parts: NonNullable<ShapeLookup['parts']>, rawKey: string, lookups: Array<[string, string]>): void {
  if (parts.some((p) => p.nested)) {
    let values: unknown;
    try {
      values = JSON.parse(rawKey);
    } catch {
      return;
    }
    if (!Array.isArray(values)) return;
    parts.forEach((part, i) => {
      if (!part.nested) return;
      const text = toColumnText(part.nested.by, String(values[i]));
      if (text.ok) lookups.push([part.nested.index, comparisonKey(part.nested.by, text.text)]);
    });
    return;
  }
  const key = compositeNaturalKey(parts.map((p) => ({ column: p.column, meta: p.meta })), rawKey);
  if ('key' in key) lookups.push([link.index, key.key]);
}

/**
 * Runs one record through the rules and encodes each candidate. The same code runs
 * inline and in the mapping workers, so both give the same candidates and counts.
 */
export class RecordMapper {
  private readonly encoder: CandidateEncoder;

  constructor(
    private readonly evaluator: RuleEvaluator,
    shapes: MappedTableShape[],
  ) {
    this.encoder = new CandidateEncoder(shapes);
  }

  map(record: SourceRecord, tally: MapTally, emit: (candidate: MappedCandidate) => void): void {
    tally.records++;
    const result = this.evaluator.evaluate(record);
    for (const c of result.candidates) {
      const encoded = this.encoder.encode(c);
      if (encoded) emit(encoded);
    }
    tally.failureCount += result.failures.length;
    for (const f of result.failures) {
      if (tally.failureSamples.length < FAILURE_SAMPLE_LIMIT) {
        tally.failureSamples.push({ rule: f.rule, source: f.record.source, record: f.record.id, ref: f.record.ref, column: f.column, message: f.message });
      }
    }
    if (result.candidates.length) tally.mapped++;
    else if (result.failures.length) {
      tally.rejected++;
      const first = result.failures[0] as (typeof result.failures)[number];
      const key = `${first.rule}\u0000${first.column}`;
      const entry = tally.rejectedBy.get(key) ?? { rule: first.rule, column: first.column, count: 0, example: { ref: first.record.ref, message: first.message } };
      entry.count++;
      tally.rejectedBy.set(key, entry);
    } else {
      tally.unmappedCount++;
      const key = `${record.source}\u0000${record.type}`;
      const entry = tally.unmapped.get(key) ?? { source: record.source, type: record.type, count: 0, samples: [], gists: [] };
      entry.count++;
      if (entry.samples.length < SAMPLE_LIMIT) {
        entry.samples.push(record.ref);
        (entry.gists ??= []).push(recordGist(record));
      }
      tally.unmapped.set(key, entry);
    }
  }
}

interface MappedTable {
  layout: ColumnLayout;
  lookups: MappedTableShape['lookups'];
  linkOf: LinkOf;
  /** Keys and digest of a candidate, as far as they are known before its parents are. */
  preps: PrepMaker;
}

/**
 * The link of a rule's lookup: the position of its (column, parent, by) in the mapping's
 * lookups (the last, should one be written twice). Looked up without joining a name per candidate.
 */
function linksOf(lookups: ShapeLookup[]): LinkOf {
  const byColumn = new Map<string, Array<{ table: string; by: string; link: number }>>();
  lookups.forEach((l, link) => {
    let links = byColumn.get(l.column);
    if (!links) byColumn.set(l.column, (links = []));
    const same = links.find((other) => other.table === l.table && other.by === l.byName);
    if (same) same.link = link;
    else links.push({ table: l.table, by: l.byName, link });
  });
  return (column, request) => {
    const links = byColumn.get(column);
    if (links) for (const l of links) if (l.table === request.table && l.by === request.by) return l.link;
    return -1;
  };
}

/** The plain-data shape of each bound mapping, for the mapper (inline or in a worker). */
export function tableShapes(bound: Array<{ mapping: { table: string }; table: CatalogTable; matchKeys: string[][]; lookups: LookupLink[] }>): MappedTableShape[] {
  return bound.map((b) => ({
    name: b.mapping.table,
    table: b.table,
    matchKeys: b.matchKeys,
    // Every link keeps its position: candidates name their link by it.
    lookups: b.lookups.map((link): ShapeLookup => {
      const column = (table: CatalogTable, name: string) => {
        const found = table.columns.find((c) => c.name === name);
        if (!found) throw new Error(`lookup of ${link.column}: ${table.schema}.${table.name} has no column ${name} (bindMappings lets no such lookup through)`);
        return found;
      };
      const index = LookupIndex.keyOf(`${link.parent.schema}.${link.parent.name}`, link.by, link.refColumn);
      if (!link.parts) return { column: link.column, table: link.table, byName: link.by, by: column(link.parent, link.by), index };
      const parts = link.parts.map((part) => ({
        column: part.column,
        meta: column(link.parent, part.column),
        ...(part.nested
          ? { nested: { by: column(part.nested.parent, part.nested.by), index: LookupIndex.keyOf(`${part.nested.parent.schema}.${part.nested.parent.name}`, part.nested.by, part.nested.refColumn) } }
          : {}),
      }));
      return { column: link.column, table: link.table, byName: link.by, index, parts };
    }),
  }));
}
