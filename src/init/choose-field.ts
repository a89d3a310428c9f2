import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { STRIPE_ID_PREFIXES, type ColumnConcept } from './concepts.js';
import { describeScore, MIN_MATCHES, share, type Evidence, type FieldScore } from './evidence.js';
import type { RecordFamily, SourceField, ValueKind } from './families.js';
import { fieldsFor } from './field-choice.js';
import { valueRecipe, type ValueRecipe } from './value-recipe.js';
import type { ValueDomain } from '../db/value-domains.js';
import { EMAIL, INSTANT } from './value-shapes.js';

/** Shares this close are the same evidence: the name decides between them. */
const NEAR_TIE = 0.05;

export interface FieldChoice {
  field: SourceField;
  recipe: ValueRecipe;
  /** The evidence for it (`97% of 312 sampled values match ...`), or why it is a guess. */
  note?: string;
}

/**
 * Which of a family's fields fills a column: on evidence first (the field whose
 * sampled values the column already holds, best share first), then by name as
 * before, marked as a guess. A name guess the evidence contradicts (the records are
 * rows the backup has, yet none of their values at that path is the column's) is
 * not written; `refuted` says why, for the comment in its place.
 */
export function chooseField(
  table: CatalogTable,
  column: CatalogColumn,
  concept: ColumnConcept | undefined,
  family: RecordFamily,
  domain: ValueDomain | undefined,
  evidence: Evidence,
): { chosen?: FieldChoice; refuted: string[] } {
  const refuted: string[] = [];
  // A JSON column takes a JSON value, which no record field is by name: built by hand, or its default.
  if (column.typeName === 'json' || column.typeName === 'jsonb') return { refuted };
  const guesses = fieldsFor(column, concept, family.fields);
  const measured = measuresValues(column, concept, domain) && evidence.measurable(table, column.name, family);
  if (measured) {
    // A documented field that fits by name wins a near tie: data.created over an envelope's createdAt that copies it.
    const named = new Set(guesses.filter((f) => !f.extract).map((f) => f.path));
    const ranked = evidence.ranked(table, column.name, family);
    const best = ranked[0] ? share(ranked[0]) : 0;
    const order = [...ranked.filter((s) => named.has(s.path) && share(s) >= best - NEAR_TIE), ...ranked];
    for (const score of order) {
      const field = fieldAt(family, score, column, evidence);
      const recipe = field && valueRecipe(field, column, concept, domain);
      if (field && recipe) return { chosen: { field, recipe, note: describeScore(score) }, refuted };
    }
  }
  const overlap = measured ? evidence.rowOverlap(table, family) : undefined;
  const rowsKnown = overlap !== undefined && overlap.matched >= MIN_MATCHES && share(overlap) >= 0.5;
  for (const field of guesses) {
    const recipe = valueRecipe(field, column, concept, domain);
    if (!recipe) continue;
    const score = measured && !field.extract ? evidence.score(table, column.name, family, field.path) : undefined;
    // Values that change after the fact (an updated_at) differ from the backup's by nature: no verdict from them.
    if (rowsKnown && concept?.concept !== 'updated' && score && score.of >= MIN_MATCHES && score.matched === 0) {
      refuted.push(
        `${field.path} is not it: none of ${score.of} sampled values is a value of ${score.column}, although these records are rows the backup has (${describeScore(overlap)} by ${overlap.path})`,
      );
      continue;
    }
    // A value read out of a text was seen in the sample already (its comment says how often); it cannot be measured alone.
    const note = !measured || field.extract ? undefined : score ? `a GUESS by name: ${describeScore(score)}` : 'a GUESS by name: no sampled value to measure it by';
    return { chosen: { field, recipe, ...(note ? { note } : {}) }, refuted };
  }
  return { refuted };
}

/** Status, currency and enum-like columns hold a few values every source shares: matching them proves nothing. */
function measuresValues(column: CatalogColumn, concept: ColumnConcept | undefined, domain: ValueDomain | undefined): boolean {
  if (concept?.concept === 'status' || concept?.concept === 'currency') return false;
  return !domain || domain.origin === 'backup' ? column.typeName !== 'bool' : false;
}

/** The family's documented field at that path, or one described from the sampled values themselves. */
function fieldAt(family: RecordFamily, score: FieldScore, column: CatalogColumn, evidence: Evidence): SourceField | undefined {
  const known = family.fields.find((f) => f.path === score.path && !f.extract);
  if (known && known.kind !== 'status') return known;
  const values = evidence.valuesAt(family, score.path);
  const kind = kindOf(values, score, column);
  if (!kind) return undefined;
  const object = kind === 'stripeId' ? stripeObjectOf(values) : undefined;
  return {
    path: score.path,
    label: score.path.replace(/^data\./, ''),
    kind,
    ...(object ? { concept: 'stripeId', stripeObject: object } : {}),
    ...(kind === 'wallTime' ? { zone: 'UTC' } : {}),
    why: `${score.path} of ${family.describe}${object ? ` (Stripe ${object} ids)` : ''}${kind === 'wallTime' ? ', times without a zone that equal the column read as UTC' : ''}`,
  };
}

function kindOf(values: Array<string | number>, score: FieldScore, column: CatalogColumn): ValueKind | undefined {
  if (score.how === 'cents') return 'cents';
  if (score.how === 'decimal') return 'decimal';
  const strings = values.filter((v): v is string => typeof v === 'string');
  if (score.how === 'time') {
    if (strings.length === 0) return 'unixSeconds';
    return strings.every((v) => INSTANT.test(v.replace(' ', 'T'))) ? 'instant' : 'wallTime';
  }
  if (score.how === 'date') return strings.every((v) => INSTANT.test(v)) ? 'instant' : undefined;
  if (column.typeName === 'date') return 'date';
  if (strings.length === 0) return values.every((v) => Number.isInteger(v)) ? 'integer' : 'decimal';
  if (strings.every((v) => EMAIL.test(v))) return 'email';
  if (stripeObjectOf(values)) return 'stripeId';
  return 'text';
}

function stripeObjectOf(values: Array<string | number>): string | undefined {
  const objects = new Set(values.map((v) => (typeof v === 'string' ? Object.entries(STRIPE_ID_PREFIXES).find(([p]) => v.startsWith(p))?.[1] : undefined)));
  const [only] = objects;
  return objects.size === 1 ? only : undefined;
}
