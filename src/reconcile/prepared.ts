import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { containsSecret } from '../config/secrets.js';
import type { Candidate, LookupRequest, RecordCitation } from '../mapping/evaluate.js';
import { REDACTED } from '../records/scrub.js';
import type { UnrecoverableReason } from './changeset.js';
import { toColumnText } from './normalize.js';

/**
 * A candidate row reduced, as soon as a rule produced it, to what reconcile needs: each
 * value already as the column's text, in a slot per column. A million candidates are
 * held until the backup has been scanned; raw values and a Map per candidate made that
 * about 1 KB each, slots make it a few hundred bytes (issue 7: peak memory).
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

/** What a candidate asks of a parent table; which table and column come from the mapping. */
export interface PendingLookup {
  key: string;
  optional: boolean;
}

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
 * value and an array per candidate: about a third of the memory (issue 7).
 */
export class ColumnTexts {
  private packed: string;

  constructor(
    private readonly layout: ColumnLayout,
    slots: ReadonlyArray<string | undefined> = [],
  ) {
    this.packed = pack(slots, layout.names.length);
  }

  /** The packed form, to store a candidate compactly (see CandidateStore). */
  get packedText(): string {
    return this.packed;
  }

  static fromPacked(layout: ColumnLayout, packed: string): ColumnTexts {
    const texts = new ColumnTexts(layout);
    texts.packed = packed;
    return texts;
  }

  get(column: string): string | undefined {
    const slot = this.layout.slot(column);
    if (slot === undefined) return undefined;
    let start = 0;
    for (let i = 0; i < slot; i++) start = this.packed.indexOf(SEPARATOR, start) + 1;
    const end = this.packed.indexOf(SEPARATOR, start);
    const field = end < 0 ? this.packed.slice(start) : this.packed.slice(start, end);
    return field === '' ? undefined : field.slice(1);
  }

  set(column: string, text: string): void {
    const slot = this.layout.slot(column);
    if (slot === undefined) return;
    const slots = unpack(this.packed);
    slots[slot] = text;
    this.packed = pack(slots, this.layout.names.length);
  }

  /** [column, text] pairs in table order. */
  *entries(): IterableIterator<[string, string]> {
    const slots = unpack(this.packed);
    for (let i = 0; i < slots.length; i++) {
      const text = slots[i];
      if (text !== undefined) yield [this.layout.names[i] as string, text];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [column] of this.entries()) yield column;
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

function pendingLookups(requests: Record<string, LookupRequest>): Record<string, PendingLookup> | undefined {
  let pending: Record<string, PendingLookup> | undefined;
  // No prototype: a column may be called `__proto__` or `constructor`.
  for (const [column, request] of Object.entries(requests)) (pending ??= Object.create(null) as Record<string, PendingLookup>)[column] = { key: request.key, optional: request.optional };
  return pending;
}

/** Turns a rule's raw values into column texts; values that cannot be written become problems. */
export function prepareCandidate(candidate: Candidate, layout: ColumnLayout): PreparedCandidate {
  const slots: Array<string | undefined> = [];
  const prepared: PreparedCandidate = {
    record: candidate.record,
    rule: candidate.rule,
    texts: EMPTY_TEXTS,
    problems: NO_PROBLEMS,
    lookups: pendingLookups(candidate.lookups),
    keys: NO_KEYS,
  };
  for (const [column, value] of Object.entries(candidate.values)) {
    const meta = layout.columns.get(column);
    if (!meta) continue; // check-catalog has refused unknown columns already
    const n = toColumnText(meta, value);
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
 * A table's candidates between mapping and reconcile, each held as one short string
 * (rule and source as small numbers, texts packed). A million candidates as objects
 * cost about 600 bytes each; as strings about 200, and reconcile decodes a candidate
 * only when it needs all of it: once to key and fingerprint it, and again only if its
 * row may change (issue 7: peak memory).
 */
export class CandidateStore {
  private readonly lines: string[] = [];
  private readonly rules: string[] = [];
  private readonly sources: string[] = [];
  private readonly ruleIndex = new Map<string, number>();
  private readonly sourceIndex = new Map<string, number>();

  constructor(readonly layout: ColumnLayout) {}

  get size(): number {
    return this.lines.length;
  }

  add(candidate: PreparedCandidate): void {
    const { record } = candidate;
    const problems = candidate.problems.size ? [...candidate.problems] : 0;
    // [column, key, optional] triples: the rest of a lookup is the mapping's, the same for every candidate.
    const lookups = candidate.lookups ? Object.entries(candidate.lookups).map(([column, l]) => [column, l.key, l.optional ? 1 : 0]) : 0;
    this.lines.push(
      JSON.stringify([intern(this.rules, this.ruleIndex, candidate.rule), intern(this.sources, this.sourceIndex, record.source), record.id, record.ref, record.time, candidate.texts.packedText, problems, lookups]),
    );
  }

  get(i: number): PreparedCandidate {
    const [rule, source, id, ref, time, packed, problems, lookups] = JSON.parse(this.lines[i] as string) as StoredCandidate;
    return {
      record: { source: this.sources[source] as string, id, ref, time },
      rule: this.rules[rule] as string,
      texts: ColumnTexts.fromPacked(this.layout, packed),
      problems: problems ? new Map(problems) : NO_PROBLEMS,
      lookups: lookups ? Object.fromEntries(lookups.map(([column, key, optional]) => [column, { key, optional: optional === 1 }])) : undefined,
      keys: NO_KEYS,
    };
  }

  /** Lets the stored candidates go once reconcile holds what it still needs. */
  clear(): void {
    this.lines.length = 0;
  }
}

type StoredCandidate = [
  rule: number,
  source: number,
  id: string,
  ref: string,
  time: string,
  packed: string,
  problems: Array<[string, ColumnProblem]> | 0,
  lookups: Array<[column: string, key: string, optional: 0 | 1]> | 0,
];

function intern(list: string[], index: Map<string, number>, value: string): number {
  let at = index.get(value);
  if (at === undefined) {
    at = list.length;
    list.push(value);
    index.set(value, at);
  }
  return at;
}
