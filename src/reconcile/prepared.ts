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
  /** Lookups still to resolve, once the parent table has been reconciled. */
  lookups: Record<string, LookupRequest> | undefined;
  /** Match keys, set when the lookups are resolved. */
  keys: string[];
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

/** Column texts of one candidate, by slot; `undefined` means the rule gave no value. */
export class ColumnTexts {
  constructor(
    private readonly layout: ColumnLayout,
    private readonly slots: Array<string | undefined> = [],
  ) {}

  get(column: string): string | undefined {
    const slot = this.layout.slot(column);
    return slot === undefined ? undefined : this.slots[slot];
  }

  set(column: string, text: string): void {
    const slot = this.layout.slot(column);
    if (slot !== undefined) this.slots[slot] = text;
  }

  /** [column, text] pairs in table order. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.slots.length; i++) {
      const text = this.slots[i];
      if (text !== undefined) yield [this.layout.names[i] as string, text];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [column] of this.entries()) yield column;
  }
}

const NO_PROBLEMS: Map<string, ColumnProblem> = new Map();
const NO_KEYS: string[] = [];

/** Most candidates have no problem: they share one empty map instead of allocating one each. */
export function addProblem(candidate: PreparedCandidate, column: string, problem: ColumnProblem): void {
  if (candidate.problems === NO_PROBLEMS) candidate.problems = new Map();
  candidate.problems.set(column, problem);
}

/** Turns a rule's raw values into column texts; values that cannot be written become problems. */
export function prepareCandidate(candidate: Candidate, layout: ColumnLayout): PreparedCandidate {
  const prepared: PreparedCandidate = {
    record: candidate.record,
    rule: candidate.rule,
    texts: new ColumnTexts(layout),
    problems: NO_PROBLEMS,
    lookups: Object.keys(candidate.lookups).length ? candidate.lookups : undefined,
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
    } else prepared.texts.set(column, n.text);
  }
  return prepared;
}
