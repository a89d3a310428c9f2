import type { CatalogColumn } from '../db/catalog-types.js';
import { columnKind, mismatch, outputKind } from '../mapping/value-kinds.js';
import type { ColumnConcept } from './concepts.js';
import type { SourceField } from './families.js';
import { TODO } from './plan-types.js';
import { mapStatusValues, type StatusMap } from './status-map.js';
import type { ValueDomain } from '../db/value-domains.js';
import type { FlowValue } from './yaml-text.js';

/** How a field's value becomes a column's: the transforms, and what is still for a person to say. */
export interface ValueRecipe {
  transforms: FlowValue[];
  /** A transform option is a TODO (the zone of times written without one). */
  todo: boolean;
  /** Extra words for the comment. */
  note?: string;
  /** For status columns: the value map, and the source values it leaves out. */
  statusMap?: StatusMap;
}

const ZONE_TODO = `${TODO} the zone these times are written in, e.g. Europe/Oslo`;

/**
 * The transforms that turn `field` into a value of `column`, or undefined when the
 * field cannot fill the column (a status with no common value, a date-time into an
 * integer). The result is checked with the same rules `salvage check` applies, so
 * init never writes a guess that check would call a type mismatch.
 */
export function valueRecipe(field: SourceField, column: CatalogColumn, concept: ColumnConcept | undefined, domain: ValueDomain | undefined): ValueRecipe | undefined {
  const recipe = rawRecipe(field, column, concept, domain);
  if (!recipe) return undefined;
  const steps = recipe.transforms.map((t) => ({ name: typeof t === 'string' ? t : Object.keys(t as object)[0] ?? '', args: undefined }));
  if (mismatch(outputKind({ from: [{ text: field.path, segments: [] }], transforms: steps, constant: undefined }), columnKind(column))) return undefined;
  return recipe;
}

function rawRecipe(field: SourceField, column: CatalogColumn, concept: ColumnConcept | undefined, domain: ValueDomain | undefined): ValueRecipe | undefined {
  const kind = columnKind(column);
  const plain = (...transforms: FlowValue[]): ValueRecipe => ({ transforms, todo: false });
  const decimal: FlowValue = field.comma ? { decimal: { comma: true } } : 'decimal';
  switch (field.kind) {
    case 'email':
      return plain('email');
    case 'personName':
      if (concept?.concept === 'firstName' && field.concept === 'fullName') {
        return { ...plain('collapse_whitespace', { split: { by: ' ', index: 0 } }), note: 'the first word of the full name' };
      }
      if (concept?.concept === 'lastName' && field.concept === 'fullName') {
        return { ...plain('collapse_whitespace', { split: { by: ' ', index: -1 } }), note: 'the last word of the full name' };
      }
      return plain('collapse_whitespace');
    case 'phone':
    case 'text':
      return plain('trim');
    case 'stripeId':
      return plain();
    case 'decimal':
      if (kind === 'decimal') return plain(decimal);
      if (kind === 'integer' && concept?.cents) return { ...plain(decimal, 'amount_to_cents'), note: 'the column counts cents' };
      return kind === 'text' ? plain('trim') : undefined;
    case 'cents':
      if (kind === 'decimal') return { ...plain('cents_to_amount'), note: 'zero-decimal currencies such as JPY need { cents_to_amount: { digits: 0 } }' };
      if (kind === 'integer') return plain('int');
      return kind === 'text' ? plain('string') : undefined;
    case 'integer':
      if (kind === 'integer') return plain('int');
      if (kind === 'decimal') return plain('decimal');
      return kind === 'text' ? plain('string') : undefined;
    case 'instant':
      if (kind === 'timestamp') return plain('timestamp');
      if (kind === 'date') return { transforms: [{ date: { tz: ZONE_TODO } }], todo: true, note: 'an instant has a date only in some zone' };
      return undefined;
    case 'eventTime':
      if (kind === 'timestamp') {
        return field.zone
          ? plain({ timestamp: { tz: field.zone } })
          : { ...plain('timestamp'), note: 'all-day (YYYY-MM-DD) and floating events fail until you add { tz: Area/City }' };
      }
      if (kind === 'date') return field.zone ? plain({ date: { tz: field.zone } }) : { transforms: [{ date: { tz: ZONE_TODO } }], todo: true };
      return undefined;
    case 'wallTime': {
      const tz = field.zone ?? ZONE_TODO;
      if (kind === 'timestamp') return { transforms: [{ timestamp: { tz } }], todo: field.zone === undefined };
      if (kind === 'date') return { transforms: [{ date: { tz } }], todo: field.zone === undefined };
      return undefined;
    }
    case 'unixSeconds':
      return kind === 'timestamp' ? plain({ timestamp: { unix: 's' } }) : undefined;
    case 'date':
      return kind === 'date' ? plain('date') : undefined;
    case 'currency':
      return currencyRecipe(domain);
    case 'boolean':
      return plain('boolean');
    case 'status':
      return statusRecipe(field, domain);
  }
}

/** Codes in the case the backup already uses; upper case (ISO 4217's) when it holds none yet. */
function currencyRecipe(domain: ValueDomain | undefined): ValueRecipe {
  const values = domain?.values ?? [];
  if (values.length && values.every((v) => v === v.toLowerCase())) return { transforms: ['lower'], todo: false, note: 'the backup writes codes in lower case' };
  const seen = values.length ? 'the backup writes codes in upper case' : 'ISO 4217 codes are upper case';
  return { transforms: ['upper'], todo: false, note: seen };
}

function statusRecipe(field: SourceField, domain: ValueDomain | undefined): ValueRecipe | undefined {
  if (!field.values?.length || !domain?.values.length) return undefined;
  const statusMap = mapStatusValues(field.values, domain.values);
  if (Object.keys(statusMap.values).length === 0) return undefined;
  const origin = domain.origin === 'backup' ? 'the values the backup holds' : `the values its ${domain.origin === 'enum' ? 'enum' : 'CHECK constraint'} allows`;
  return { transforms: [{ map: { values: statusMap.values } }], todo: false, statusMap, note: `mapped onto ${origin}` };
}
