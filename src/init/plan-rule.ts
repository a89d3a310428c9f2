import type { Catalog, CatalogColumn, CatalogForeignKey, CatalogTable } from '../db/catalog-types.js';
import { keyGeneratorOf } from '../changeset/key-refs.js';
import type { LossVerdict } from './backup-end.js';
import { chooseField } from './choose-field.js';
import { classifyColumn } from './concepts.js';
import { describeScore, type Evidence } from './evidence.js';
import type { Extraction, RecordFamily, SourceField } from './families.js';
import { fieldsFor } from './field-choice.js';
import { naturalKeys } from './natural-keys.js';
import type { Anchor, PlannedColumn, PlannedExtract, PlannedRule } from './plan-types.js';
import { TODO } from './plan-types.js';
import { domainOf, type ValueDomains } from '../db/value-domains.js';
import { valueRecipe } from './value-recipe.js';
import type { FlowValue } from './yaml-text.js';

export interface PlanContext {
  catalog: Catalog;
  domains: ValueDomains;
  /** The backup's sampled values against the sources' sampled records. */
  evidence: Evidence;
  /** By table key: whether the survey thinks the table lost rows. */
  verdicts: ReadonlyMap<string, LossVerdict>;
}

/**
 * One starter rule: for every column of the table, the family's field that fills it
 * (with its transforms and why), a lookup for each foreign key, or a note saying why
 * the column is left alone.
 */
export function planRule(table: CatalogTable, family: RecordFamily, anchor: Anchor, ctx: PlanContext): PlannedRule {
  const rule: PlannedRule = { family, anchor, when: [], extracts: [], columns: [], leftOut: [] };
  const captures = new Set<string>();
  const readOne = (field: SourceField, column: string): { from: string; fromText: boolean } => {
    if (!field.extract) return { from: field.path, fromText: false };
    const name = captureName(column, captures);
    rule.extracts.push(extractOf(field.extract, name));
    return { from: `$${name}`, fromText: field.extract.fromText };
  };
  // A field the sample shows repeated elsewhere when missing is read from there second.
  const readOf = (field: SourceField, column: string): { from: string | string[]; fromText: boolean } => {
    const read = readOne(field, column);
    const fallback = family.fallbacks?.get(field.path);
    if (!fallback || field.extract) return read;
    return { from: [read.from, readOne(fallback, column).from as string], fromText: read.fromText };
  };

  for (const column of table.columns) {
    if (column.generated) continue;
    if (column.identity === 'a') {
      rule.leftOut.push({ column: column.name, why: 'generated always by the database (identity)' });
      continue;
    }
    const fk = table.foreignKeys.find((f) => f.columns.length === 1 && f.columns[0] === column.name);
    if (fk) {
      const planned = planLookup(fk, family, ctx, readOf);
      if (planned.found) rule.columns.push({ ...planned.column, column: column.name });
      else rule.leftOut.push({ column: column.name, why: planned.why });
      continue;
    }
    const concept = classifyColumn(column, table);
    if (concept?.concept === 'updated' && anchor.strength < 3) {
      rule.leftOut.push({ column: column.name, why: `${family.describe} are not these rows themselves: their last change is not the row's` });
      continue;
    }
    const domain = domainOf(ctx.domains, table, column.name);
    const { chosen, refuted } = chooseField(table, column, concept, family, domain, ctx.evidence);
    if (!chosen) {
      rule.leftOut.push({ column: column.name, why: [...refuted, whyLeftOut(table, column, family)].join('; ') });
      continue;
    }
    const { field, recipe } = chosen;
    const read = readOf(field, column.name);
    rule.columns.push({
      column: column.name,
      spec: columnSpec(read.from, recipe.transforms),
      why: [field.why, recipe.note, Array.isArray(read.from) ? `else ${family.fallbacks?.get(field.path)?.why}` : '', chosen.note, ...refuted].filter(Boolean).join('; '),
      fromText: read.fromText,
      todo: recipe.todo,
    });
    const unmapped = recipe.statusMap?.unmapped ?? [];
    if (unmapped.length && !read.fromText) {
      rule.when.push({
        path: field.path,
        condition: { in: Object.keys(recipe.statusMap?.values ?? {}) },
        why: `records whose ${field.label} is ${unmapped.join(', ')} have no counterpart in ${column.name}: left out`,
      });
    }
  }

  addKeyCondition(table, family, rule);
  if (family.needsSelection) {
    rule.when.unshift({ path: `${TODO} ${family.needsSelection}`, condition: true, why: `not every one of the ${family.describe} is about ${table.name}` });
  }
  return rule;
}

/** A bare path when that is all; a list of paths is only ever read inside `{ from: [...] }`. */
function columnSpec(from: string | string[], transforms: FlowValue[]): FlowValue {
  if (transforms.length) return { from, transform: transforms };
  return Array.isArray(from) ? { from } : from;
}

function planLookup(
  fk: CatalogForeignKey,
  family: RecordFamily,
  ctx: PlanContext,
  readOf: (field: SourceField, column: string) => { from: string | string[]; fromText: boolean },
): { found: true; column: Omit<PlannedColumn, 'column'> } | { found: false; why: string } {
  const parent = ctx.catalog.tables.find((t) => t.schema === fk.references.schema && t.name === fk.references.name);
  const parentName = parent ? tableName(parent) : fk.references.name;
  const notFound = (why: string) => ({ found: false as const, why });
  if (!parent) return notFound(`foreign key to ${parentName}, a table salvage cannot see`);
  const keys = naturalKeys(parent).filter((k) => k.length === 1).map((k) => k[0] as string);
  if (keys.length === 0) {
    // A key of several columns still finds the row, but only by a lookup init cannot write: each part from its own field.
    const composite = naturalKeys(parent).find((k) => k.length > 1);
    if (composite) {
      return notFound(
        `foreign key to ${parentName}, whose unique key (${composite.join(', ')}) takes several columns: look it up by each of them (lookup: { table: ${parentName}, by: { ${composite.map((c) => `${c}: ...`).join(', ')} } })`,
      );
    }
    return notFound(`foreign key to ${parentName}, which has no unique key besides its primary key to look a row up by`);
  }
  const lookupVia = (key: string, field: SourceField, evidenceNote: string) => {
    const keyColumn = parent.columns.find((c) => c.name === key) as CatalogColumn;
    const recipe = valueRecipe(field, keyColumn, classifyColumn(keyColumn, parent), domainOf(ctx.domains, parent, key));
    if (!recipe) return undefined;
    const read = readOf(field, key === 'email' ? `${parent.name}_email` : `${parent.name}_${key}`);
    const spec: FlowValue = { from: read.from, ...(recipe.transforms.length ? { transform: recipe.transforms } : {}), lookup: { table: parentName, by: key } };
    const fallback = family.fallbacks?.get(field.path);
    const why =
      `foreign key to ${parentName}.${fk.references.columns[0]}, found by ${parentName}.${key} (its unique key) from ${field.label}` +
      (fallback && Array.isArray(read.from) ? `, else from ${fallback.label} (${fallback.why})` : '') +
      evidenceNote;
    return { found: true as const, column: { spec, why, fromText: read.fromText, todo: recipe.todo } };
  };
  // On evidence first: the field whose values are the parent's keys (an organizer's email, a calendar's id).
  for (const key of keys) {
    for (const score of ctx.evidence.ranked(parent, key, family)) {
      const field = family.fields.find((f) => f.path === score.path && !f.extract) ?? evidenceField(score.path, family);
      const found = lookupVia(key, field, `; ${describeScore(score)}`);
      if (found) return found;
    }
  }
  for (const key of keys) {
    const keyColumn = parent.columns.find((c) => c.name === key) as CatalogColumn;
    const concept = classifyColumn(keyColumn, parent);
    for (const field of fieldsFor(keyColumn, concept, family.fields)) {
      // No path's values are the parent's keys: by name, saying so (the parents may all be lost rows too).
      const score = field.extract ? undefined : ctx.evidence.score(parent, key, family, field.path);
      const found = lookupVia(key, field, score ? `; a GUESS by name: ${describeScore(score)}` : '');
      if (found) return found;
    }
  }
  return notFound(`foreign key to ${parentName}: no field of ${family.describe} carries ${keys.join(' or ')}, its unique key`);
}

function whyLeftOut(table: CatalogTable, column: CatalogColumn, family: RecordFamily): string {
  const made = keyGeneratorOf(table);
  if (made?.column === column.name && made.generator.kind === 'uuid') {
    return `new rows take a key the target makes when the patch is applied (its default, ${column.default}); rows that point at them follow it`;
  }
  const sequence = table.sequences[column.name];
  if (column.typeName === 'json' || column.typeName === 'jsonb') {
    return `a JSON value no field of ${family.describe} is by itself${column.default !== null ? `; new rows get the default (${column.default})` : ''}`;
  }
  if (sequence) return `new rows take the next value of ${sequence.schema}.${sequence.name}`;
  if (column.identity) return 'new rows take the next identity value';
  if (column.default !== null && /^(?:now\(\)|CURRENT_TIMESTAMP|CURRENT_DATE|clock_timestamp\(\)|statement_timestamp\(\))/i.test(column.default)) {
    return `no field of ${family.describe} fits it; new rows get the default (${column.default}): the time of apply, not when the row was made`;
  }
  if (column.default !== null) return `no field of ${family.describe} fits it; the default (${column.default}) applies to new rows`;
  return `no field of ${family.describe} fits it`;
}

/**
 * A record without the field the table's unique key comes from cannot be matched
 * to a row: it would only become a row nobody can recognise, so the rule skips it.
 */
function addKeyCondition(table: CatalogTable, family: RecordFamily, rule: PlannedRule): void {
  for (const key of naturalKeys(table)) {
    if (key.length !== 1) continue;
    const planned = rule.columns.find((c) => c.column === key[0]);
    if (!planned || planned.fromText) continue;
    const from = typeof planned.spec === 'string' ? planned.spec : (planned.spec as { from?: unknown }).from;
    if (typeof from !== 'string' || (family.type.startsWith('stripe.') && from === 'data.id')) return;
    rule.when.push({ path: from, condition: { exists: true }, why: `a record without it has no ${key[0]} to be matched by` });
    return;
  }
}

/** A field known only from the sampled records, for a lookup. */
function evidenceField(path: string, family: RecordFamily): SourceField {
  return { path, label: path.replace(/^data\./, ''), kind: 'text', why: `${path} of ${family.describe}` };
}

/** Always optional: a record without the line or the shape leaves the column unknown, it does not unapply the rule. */
function extractOf(extraction: Extraction, capture: string): PlannedExtract {
  return {
    from: extraction.from,
    pattern: `${extraction.before}(?<${capture}>${extraction.value})${extraction.after}`,
    flags: extraction.flags,
    why: `seen in ${extraction.seen} of ${extraction.of} sampled records`,
  };
}

function captureName(column: string, taken: Set<string>): string {
  let base = column.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(base)) base = `c_${base}`;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}


/**
 * How a table is named in a mapping file: bare in public, schema-qualified elsewhere,
 * SQL-quoted when the name is not a plain lower-case word (findTable reads both).
 */
export function tableName(table: CatalogTable): string {
  const part = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`);
  return table.schema === 'public' ? part(table.name) : `${part(table.schema)}.${part(table.name)}`;
}
