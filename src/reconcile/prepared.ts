import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { containsSecret } from '../runtime/secrets.js';
import type { Candidate, LookupRequest, RecordCitation } from '../mapping/evaluate.js';
import { REDACTED } from '../records/scrub.js';
import type { UnrecoverableReason } from '../changeset/changeset.js';
import { toColumnText } from '../values/normalize.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TextSpill } from '../runtime/text-spill.js';
import type { Value } from '../mapping/types.js';
import { KeyTexts } from './key-texts.js';
import type { DigestArrays } from './fingerprints.js';

/**
 * A candidate row reduced, as soon as a rule produced it, to what reconcile needs: each
 * value already as the column's text, in a slot per column. A million candidates are
 * held until the backup has been scanned; raw values and a Map per candidate made that
 * about 1 KB each, slots make it a few hundred bytes (peak memory).
 */
export interface PreparedCandidate {
  record: RecordCitation;
  rule: string;
  texts: ColumnTexts;
  /** Column -> why its value could not be determined from this candidate. */
  problems: Map<string, ColumnProblem>;
  /** Lookups still to resolve (column -> the parent's natural key), once the parent table has been reconciled. */
  lookups: Record<string, PendingLookup> | undefined;
  /** Match keys, set when the lookups are resolved. */
  keys: string[];
}

/**
 * What a candidate asks of a parent table. `link` is the position, in the bound
 * mapping's lookups, of the (column, parent, by) its rule wrote: two rules may fill one
 * column by different natural keys, so the column alone does not say which.
 */
export interface PendingLookup {
  key: string;
  optional: boolean;
  link: number;
}

/** The link of a rule's lookup of `column` (see PendingLookup), -1 when no mapping binds it. */
export type LinkOf = (column: string, request: LookupRequest) => number;

export interface ColumnProblem {
  reason: UnrecoverableReason;
  message: string;
}

/** The order of a table's columns, shared by every candidate of the table. */
export class ColumnLayout {
  readonly names: string[];
  readonly columns: Map<string, CatalogColumn>;
  private readonly slotOf = new Map<string, number>();

  constructor(table: CatalogTable) {
    this.names = table.columns.map((c) => c.name);
    this.columns = new Map(table.columns.map((c) => [c.name, c]));
    this.names.forEach((name, i) => this.slotOf.set(name, i));
  }

  slot(column: string): number | undefined {
    return this.slotOf.get(column);
  }
}

/**
 * Column texts of one candidate, packed into one string: a field per column in table
 * order, separated by NUL, each empty when the rule gave no value and `=` + the text
 * otherwise. NUL cannot occur in a text (PostgreSQL text cannot hold it; toColumnText
 * refuses it), so the packing is unambiguous. One flat string instead of a string per
 * value and an array per candidate: about a third of the memory.
 */
export class ColumnTexts {
  private packed: string | undefined;
  /**
   * The texts by slot, once read: a freshly mapped candidate is made from them (its keys
   * and digest read every column); one read back from the store unpacks them at its
   * first read, as it is about to be merged. Until then it is one string.
   */
  private slots: Array<string | undefined> | undefined;

  constructor(
    private readonly layout: ColumnLayout,
    slots?: Array<string | undefined>,
  ) {
    this.packed = slots ? undefined : pack([], layout.names.length);
    this.slots = slots;
  }

  /** The packed form, to store a candidate compactly (see CandidateStore). */
  get packedText(): string {
    this.packed ??= pack(this.slots ?? [], this.layout.names.length);
    return this.packed;
  }

  static fromPacked(layout: ColumnLayout, packed: string): ColumnTexts {
    const texts = new ColumnTexts(layout);
    texts.packed = packed;
    return texts;
  }

  get(column: string): string | undefined {
    const slot = this.layout.slot(column);
    return slot === undefined ? undefined : this.unpacked()[slot];
  }

  set(column: string, text: string): void {
    const slot = this.layout.slot(column);
    if (slot === undefined) return;
    this.unpacked()[slot] = text;
    this.packed = undefined;
  }

  /** [column, text] pairs in table order. */
  *entries(): IterableIterator<[string, string]> {
    const slots = this.unpacked();
    for (let i = 0; i < slots.length; i++) {
      const text = slots[i];
      if (text !== undefined) yield [this.layout.names[i] as string, text];
    }
  }

  /** Each column that has a text, in table order, without a pair per column (runs for every candidate). */
  forEachText(fn: (column: string, text: string) => void): void {
    const slots = this.unpacked();
    for (let i = 0; i < slots.length; i++) {
      const text = slots[i];
      if (text !== undefined) fn(this.layout.names[i] as string, text);
    }
  }

  *keys(): IterableIterator<string> {
    for (const [column] of this.entries()) yield column;
  }

  private unpacked(): Array<string | undefined> {
    this.slots ??= unpack(this.packed ?? '');
    return this.slots;
  }
}

const SEPARATOR = '\u0000';

function pack(slots: ReadonlyArray<string | undefined>, width: number): string {
  const fields = new Array<string>(width);
  for (let i = 0; i < width; i++) {
    const text = slots[i];
    fields[i] = text === undefined ? '' : `=${text}`;
  }
  // join() builds one flat string; `+=` would keep a rope of parts that costs more than the texts.
  return fields.join(SEPARATOR);
}

function unpack(packed: string): Array<string | undefined> {
  return packed.split(SEPARATOR).map((field) => (field === '' ? undefined : field.slice(1)));
}

const NO_PROBLEMS: Map<string, ColumnProblem> = new Map();
const NO_KEYS: string[] = [];
const EMPTY_TEXTS = new ColumnTexts(new ColumnLayout({ columns: [] } as unknown as CatalogTable));

/** Most candidates have no problem: they share one empty map instead of allocating one each. */
export function addProblem(candidate: PreparedCandidate, column: string, problem: ColumnProblem): void {
  if (candidate.problems === NO_PROBLEMS) candidate.problems = new Map();
  candidate.problems.set(column, problem);
}

function pendingLookups(requests: Record<string, LookupRequest>, linkOf: LinkOf): Record<string, PendingLookup> | undefined {
  let pending: Record<string, PendingLookup> | undefined;
  // No prototype: a column may be called `__proto__` or `constructor`. for-in with hasOwn, not
  // Object.entries: no array per lookup of a million candidates.
  for (const column in requests) {
    if (!Object.hasOwn(requests, column)) continue;
    const request = requests[column] as LookupRequest;
    (pending ??= Object.create(null) as Record<string, PendingLookup>)[column] = { key: request.key, optional: request.optional, link: linkOf(column, request) };
  }
  return pending;
}

const NO_LINKS: LinkOf = () => -1;

/** Turns a rule's raw values into column texts; values that cannot be written become problems. */
export function prepareCandidate(candidate: Candidate, layout: ColumnLayout, linkOf: LinkOf = NO_LINKS): PreparedCandidate {
  const slots: Array<string | undefined> = [];
  const prepared: PreparedCandidate = {
    record: candidate.record,
    rule: candidate.rule,
    texts: EMPTY_TEXTS,
    problems: NO_PROBLEMS,
    lookups: pendingLookups(candidate.lookups, linkOf),
    keys: NO_KEYS,
  };
  const { values } = candidate;
  for (const column in values) {
    if (!Object.hasOwn(values, column)) continue;
    const meta = layout.columns.get(column);
    if (!meta) continue; // check-catalog has refused unknown columns already
    const n = toColumnText(meta, values[column] as Value);
    if (!n.ok) addProblem(prepared, column, { reason: 'invalid-value', message: `${column}: ${n.error}` });
    else if (containsSecret(n.text)) {
      addProblem(prepared, column, { reason: 'invalid-value', message: `${column}: holds a credential given to salvage in salvage.yaml; it is never written to a patch` });
    } else if (n.text.includes(REDACTED)) {
      addProblem(prepared, column, { reason: 'invalid-value', message: `${column}: its source value looked like a credential and was redacted at pull; fill it in by hand` });
    } else {
      const slot = layout.slot(column);
      if (slot !== undefined) slots[slot] = n.text;
    }
  }
  prepared.texts = new ColumnTexts(layout, slots);
  return prepared;
}

/**
 * What the mapper works out about a candidate beyond its stored form, so that
 * reconcile's first pass need not decode it (decoding every candidate twice
 * was a fifth of reconcile).
 */
export interface CandidatePrep {
  /** Match keys (one may come as a plain string); undefined when a key column is looked up (known once its parent is). */
  keys: string | string[] | undefined;
  /**
   * Digest of the values it gives, looked-up columns aside; undefined when it has a
   * problem. Its columns may come joined by NUL, as a worker sends them.
   */
  digest: { a: number; b: number; columns: string[] | string } | undefined;
  /** It asks its parents for lookups. */
  lookups: boolean;
}

/**
 * A candidate's stored form: its lookups as JSON, a newline, then the rest as JSON (texts
 * packed). Reconcile's first pass reads only the lookups, the short part before the
 * newline (JSON text never holds a raw newline). Made where the candidate is mapped,
 * possibly in a mapping worker, and decoded by CandidateStore. `naturalKeys` holds, per
 * lookup column, the parent's key as compared.
 */
export function encodeCandidate(candidate: PreparedCandidate, naturalKeys?: Map<string, string>): string {
  const { record } = candidate;
  const problems = candidate.problems.size ? [...candidate.problems] : 0;
  // [column, key, optional, key as compared (1: the key itself), link]: the rest of a lookup is the mapping's.
  let lookups: Array<[string, string, number, string | number | null, number]> | 0 = 0;
  // for-in, not Object.entries: the lookups have no prototype, and entries() of such an object cost a fifth of this.
  for (const column in candidate.lookups) {
    const l = candidate.lookups[column] as PendingLookup;
    const compared = naturalKeys?.get(column) ?? null;
    (lookups ||= []).push([column, l.key, l.optional ? 1 : 0, compared === l.key ? 1 : compared, l.link]);
  }
  return `${JSON.stringify(lookups)}\n${JSON.stringify([candidate.rule, record.source, record.id, record.ref, record.time, candidate.texts.packedText, problems])}`;
}

/** A lookup as stored: the column, the parent's key as compared (null when the key is not a valid value), and its link (see PendingLookup). */
export interface StoredLookup {
  column: string;
  naturalKey: string | null;
  optional: boolean;
  link: number;
}

/**
 * A table's candidates between mapping and reconcile: each one's stored form in a file
 * (a TextSpill), its keys and digest beside it in memory. A million candidates as
 * objects cost about 600 bytes each, as strings in memory about 200, and ten million
 * would not fit; in the file they cost under 3 bytes each held. Reconcile reads them back
 * in about the order they came (its first pass in order, its merge by group, and groups
 * follow their first member), and decodes one in full only if its row may change.
 */
export class CandidateStore {
  private readonly spill: TextSpill;
  /** The temporary folder the spill is in, when no file was given. */
  private readonly ownDir: string | undefined;
  /** Each candidate's match keys (key-texts.ts), until reconcile's first pass takes them. */
  private keys = new KeyTexts();
  /** Per candidate, in typed arrays (a number in a plain array costs 8 to 16 bytes): its digest's lanes, */
  private digestA = new Uint32Array(1024);
  private digestB = new Uint32Array(1024);
  /** the index of its digest's column set (-1 without a digest), */
  private digestSet = new Int32Array(1024);
  /** and 1 when it asks its parents for lookups. */
  private withLookups = new Uint8Array(1024);
  private readonly sets: string[][] = [];
  private readonly setIndex = new Map<string, number>();

  /** `spillFile`: where the candidates wait, removed by clear(); by default in a temporary folder of its own. */
  constructor(
    readonly layout: ColumnLayout,
    spillFile?: string,
  ) {
    this.ownDir = spillFile === undefined ? mkdtempSync(path.join(os.tmpdir(), 'salvage-candidates-')) : undefined;
    this.spill = new TextSpill(spillFile ?? path.join(this.ownDir as string, 'candidates'));
  }

  get size(): number {
    return this.spill.size;
  }

  /** A candidate already in its stored form (see encodeCandidate). */
  addEncoded(line: string, prep: CandidatePrep): void {
    const i = this.spill.size;
    if (i >= this.digestSet.length) this.grow();
    this.spill.add(line);
    const keys = prep.keys;
    this.keys.add(keys);
    this.withLookups[i] = prep.lookups ? 1 : 0;
    const digest = prep.digest;
    if (!digest) {
      this.digestSet[i] = -1;
      return;
    }
    const { columns } = digest;
    const setKey = typeof columns === 'string' ? columns : columns.join('\u0000');
    let set = this.setIndex.get(setKey);
    if (set === undefined) {
      set = this.sets.length;
      this.sets.push(typeof columns === 'string' ? (columns === '' ? [] : columns.split('\u0000')) : [...columns]);
      this.setIndex.set(setKey, set);
    }
    this.digestSet[i] = set;
    this.digestA[i] = digest.a;
    this.digestB[i] = digest.b;
  }

  private grow(): void {
    // By half, not double: at ten million candidates a doubling leaves over a hundred megabytes unused.
    const size = Math.max(1024, this.spill.size + 1, Math.ceil(this.digestSet.length * 1.5));
    const grown = <T extends Uint32Array | Int32Array | Uint8Array>(from: T, to: T) => {
      to.set(from);
      return to;
    };
    this.digestA = grown(this.digestA, new Uint32Array(size));
    this.digestB = grown(this.digestB, new Uint32Array(size));
    this.digestSet = grown(this.digestSet, new Int32Array(size));
    this.withLookups = grown(this.withLookups, new Uint8Array(size));
  }

  /**
   * The candidates' match keys as the mapper made them (unknown where a key column is
   * looked up), handed over to reconcile's first pass, which completes them and keeps them
   * while the groups are found. The store keeps no copy.
   */
  takeKeys(): KeyTexts {
    const keys = this.keys;
    this.keys = new KeyTexts();
    return keys;
  }

  /**
   * The digests as the mapper made them, per candidate: lanes, and the column set (an
   * index for columnsOfSet; -1 without a digest). Handed over to reconcile's first pass,
   * which turns each into the candidate's fingerprint in the same arrays.
   */
  takeDigests(): DigestArrays {
    const digests = { a: this.digestA, b: this.digestB, sets: this.digestSet };
    this.digestA = new Uint32Array(0);
    this.digestB = new Uint32Array(0);
    this.digestSet = new Int32Array(0);
    return digests;
  }

  columnsOfSet(set: number): string[] {
    return this.sets[set] as string[];
  }

  hasLookupsAt(i: number): boolean {
    return this.withLookups[i] === 1;
  }

  /** Only the lookups of candidate i. */
  lookupsOf(i: number): StoredLookup[] {
    const line = this.spill.text(i);
    const stored = JSON.parse(line.slice(0, line.indexOf('\n'))) as StoredLookups;
    return stored ? stored.map(([column, key, optional, compared, link]) => ({ column, naturalKey: compared === 1 ? key : compared, optional: optional === 1, link })) : [];
  }

  get(i: number): PreparedCandidate {
    const line = this.spill.text(i);
    const at = line.indexOf('\n');
    const lookups = JSON.parse(line.slice(0, at)) as StoredLookups;
    const [rule, source, id, ref, time, packed, problems] = JSON.parse(line.slice(at + 1)) as StoredCandidate;
    return {
      record: { source, id, ref, time },
      rule,
      texts: ColumnTexts.fromPacked(this.layout, packed),
      problems: problems ? new Map(problems) : NO_PROBLEMS,
      lookups: lookups ? Object.fromEntries(lookups.map(([column, key, optional, , link]) => [column, { key, optional: optional === 1, link }])) : undefined,
      keys: NO_KEYS,
    };
  }

  /**
   * Reconcile's first pass (candidate-keys.ts) is the only reader of the digests kept
   * beside the candidates; it has taken what it needs, so they go. From here on a
   * candidate is read only whole (get) or by its lookups.
   */
  releaseFirstPass(): void {
    this.digestA = new Uint32Array(0);
    this.digestB = new Uint32Array(0);
    this.digestSet = new Int32Array(0);
    this.withLookups = new Uint8Array(0);
  }

  /** Lets every candidate go, and the file that held them. */
  clear(): void {
    this.spill.remove();
    if (this.ownDir) rmSync(this.ownDir, { recursive: true, force: true });
    this.releaseFirstPass();
    this.keys.clear();
  }
}

type StoredCandidate = [rule: string, source: string, id: string, ref: string, time: string, packed: string, problems: Array<[string, ColumnProblem]> | 0];
type StoredLookups = Array<[column: string, key: string, optional: 0 | 1, compared: string | 1 | null, link: number]> | 0;
