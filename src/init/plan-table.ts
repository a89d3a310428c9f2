import type { CatalogTable } from '../db/catalog-types.js';
import { foreignKeyOrder, tableKey } from '../db/catalog.js';
import { anchorOf, judgeAnchor } from './anchor.js';
import { naturalKeys } from './natural-keys.js';
import { classifyColumn } from './concepts.js';
import type { RecordFamily } from './families.js';
import { planRule, tableName, type PlanContext } from './plan-rule.js';
import { TODO, type PlannedMerge, type PlannedRule, type PlannedTable, type UnplannedTable } from './plan-types.js';
import { isRequired } from '../db/required-column.js';

/** A rule that fills fewer columns than this says too little to be worth a starting point. */
const MIN_COLUMNS = 2;

/** Families a person writes (calendars, mail) name people better than payment records do. */
const PERSONAL: ReadonlySet<string> = new Set(['event', 'message']);

/**
 * Decides every table's starter mapping: which families feed it (one rule each),
 * how rows are matched, which source wins a disagreement, and a TODO for every
 * required column no rule fills. Tables in foreign-key order, parents first.
 */
export function planTables(families: RecordFamily[], ctx: PlanContext): { planned: PlannedTable[]; unplanned: UnplannedTable[] } {
  const planned: PlannedTable[] = [];
  const unplanned: UnplannedTable[] = [];
  for (const table of foreignKeyOrder(ctx.catalog.tables)) {
    const vetoes: string[] = [];
    const rules = families
      .flatMap((family) => {
        const { anchor, veto } = judgeAnchor(table, family, anchorOf(table, family), { evidence: ctx.evidence, verdict: ctx.verdicts.get(tableKey(table)), tables: ctx.catalog.tables });
        if (veto) vetoes.push(`${family.describe}: ${veto}`);
        return anchor ? [planRule(table, family, anchor, ctx)] : [];
      })
      .filter((rule) => rule.anchor.strength === 3 || rule.columns.length >= MIN_COLUMNS)
      .sort(
        (a, b) =>
          b.anchor.strength - a.anchor.strength ||
          b.columns.length - a.columns.length ||
          Number(PERSONAL.has(b.family.thing)) - Number(PERSONAL.has(a.family.thing)),
      );
    const first = rules[0];
    if (!first) {
      const why = vetoes.length ? vetoes.join('; ') : families.length ? 'no named source carries its key or the kind of thing it stores' : 'no sources named';
      unplanned.push({ table, why });
      continue;
    }
    const match = matchOf(table, rules);
    addKeyTodos(table, rules, match.match);
    addRequiredTodos(table, rules, first);
    planned.push({
      table,
      file: mappingFileName(table),
      name: tableName(table),
      ...match,
      ...preferOf(rules),
      merge: mergeOf(table, rules),
      keepExisting: createdColumns(table).filter((c) => filledBy(rules, c).length > 0),
      rules,
    });
  }
  return { planned, unplanned };
}

/**
 * Candidates of different rules (and backup rows) come together only through a
 * match key. A rule that fills none makes rows nothing can recognise: each would
 * stand alone, half a row. So every rule must fill one; where init found no field
 * for it, that is a TODO in the rule.
 */
function addKeyTodos(table: CatalogTable, rules: PlannedRule[], match: string[][] | undefined): void {
  const key = match?.[0];
  if (!key) return;
  const keys = [...(table.primaryKey.length ? [table.primaryKey] : []), ...(match ?? [])];
  for (const rule of rules) {
    const fills = (column: string) => rule.columns.some((c) => c.column === column);
    if (keys.some((k) => k.every(fills))) continue;
    for (const column of key.filter((c) => !fills(c))) {
      addTodo(rule, column, `${column} is how ${table.name} rows are matched (${key.join(', ')}), and no field of ${rule.family.describe} fits it: without it these records cannot join the rows of other sources or of the backup`);
    }
  }
}

/**
 * A required column must come from the rules whose records are the rows themselves
 * (strongest anchor): a row only they know of (a cash booking no payment mentions)
 * has nothing else to take it from. Without such a rule, from any rule. Each gap is
 * a TODO the loader refuses until it is written.
 */
function addRequiredTodos(table: CatalogTable, rules: PlannedRule[], first: PlannedRule): void {
  const origins = rules.filter((r) => r.anchor.strength === 3);
  const fills = (rule: PlannedRule, column: string) => rule.columns.some((c) => c.column === column);
  for (const column of table.columns.filter(isRequired)) {
    if (origins.length === 0) {
      if (!rules.some((r) => fills(r, column.name))) addTodo(first, column.name, `${column.name} (${column.type}) is required and no field of ${first.family.describe} fits it`);
      continue;
    }
    for (const rule of origins.filter((r) => !fills(r, column.name))) {
      const elsewhere = rules.some((r) => fills(r, column.name));
      addTodo(
        rule,
        column.name,
        `${column.name} (${column.type}) is required and no field of ${rule.family.describe} fits it${elsewhere ? `; another rule fills it, but rows only ${rule.family.describe} know of need it too` : ''}`,
      );
    }
  }
}

function addTodo(rule: PlannedRule, column: string, problem: string): void {
  const unused = rule.family.fields
    .filter((f) => !f.extract && !rule.columns.some((c) => JSON.stringify(c.spec).includes(JSON.stringify(f.path).slice(1, -1))))
    .slice(0, 4)
    .map((f) => f.path);
  // Why the column was left out says more than "no field fits" when it is a foreign key with nothing to look up by.
  const before = rule.leftOut.find((l) => l.column === column && !l.why.startsWith('no field of'));
  rule.leftOut = rule.leftOut.filter((l) => l.column !== column);
  rule.columns.push({
    column,
    spec: `${TODO} ${problem}${before ? ` (${before.why})` : ''}; write a field path, an extract capture or { value: ... }${unused.length ? `. Unused fields: ${unused.join(', ')}` : ''}`,
    why: 'a TODO: salvage check reports it until it is written',
    fromText: false,
    todo: true,
  });
}

function filledBy(rules: PlannedRule[], column: string): PlannedRule[] {
  return rules.filter((r) => r.columns.some((c) => c.column === column && !c.todo));
}

function matchOf(table: CatalogTable, rules: PlannedRule[]): Pick<PlannedTable, 'match' | 'matchWhy'> {
  const keys = naturalKeys(table);
  if (keys.length) {
    const partial = keys.length > table.uniqueKeys.length ? ' (and those unique among live rows, by a partial index)' : '';
    return { match: keys, matchWhy: `its unique keys${partial}: a rebuilt row is the backup row with the same key (the primary key is always tried first)` };
  }
  const start = table.columns.find((c) => classifyColumn(c, table)?.concept === 'start');
  const fk = table.foreignKeys.find((f) => f.columns.length === 1 && filledBy(rules, f.columns[0] as string).length > 0);
  if (start && fk && filledBy(rules, start.name).length > 0) {
    return {
      match: [[fk.columns[0] as string, start.name]],
      matchWhy: `no unique key: a GUESS that one ${fk.references.name} row has one ${table.name} row starting at a time; check it, or rows the backup has come back as duplicates`,
    };
  }
  return { matchWhy: 'no unique key: rows match by primary key only, so a row no source gives the key of is always new; add match: [[col, col]] if some columns identify a row' };
}

function preferOf(rules: PlannedRule[]): Pick<PlannedTable, 'prefer' | 'preferWhy'> {
  const prefer = [...new Set(rules.flatMap((r) => r.family.sources))];
  if (prefer.length < 2) return { prefer: [] };
  const first = rules[0] as PlannedRule;
  return { prefer, preferWhy: `the first listed wins when sources disagree; ${first.family.describe} come first: ${first.anchor.why}` };
}

function mergeOf(table: CatalogTable, rules: PlannedRule[]): PlannedMerge[] {
  const merge: PlannedMerge[] = [];
  const tablePrefer = preferOf(rules).prefer;
  for (const column of table.columns) {
    const fillers = filledBy(rules, column.name);
    const sources = new Set(fillers.flatMap((r) => r.family.sources));
    if (sources.size < 2) continue;
    const concept = classifyColumn(column, table)?.concept;
    if (concept === 'created') {
      merge.push({ column: column.name, policy: 'min', why: 'a row exists from its first record on' });
      continue;
    }
    if (concept === 'updated') {
      merge.push({ column: column.name, policy: 'max', why: 'the newest change is the current one' });
      continue;
    }
    // A value with a field of its own beats one read out of free text.
    const structured = fillers.filter((r) => !r.columns.some((c) => c.column === column.name && c.fromText));
    if (structured.length === 0 || structured.length === fillers.length) continue;
    const order = [...new Set([...structured, ...fillers].flatMap((r) => r.family.sources))];
    if (order.join() === tablePrefer.join()) continue;
    merge.push({ column: column.name, policy: { prefer: order }, why: 'a field of its own beats a value read out of a text' });
  }
  return merge;
}

function createdColumns(table: CatalogTable): string[] {
  return table.columns.filter((c) => classifyColumn(c, table)?.concept === 'created').map((c) => c.name);
}

export function mappingFileName(table: CatalogTable): string {
  const base = table.schema === 'public' ? table.name : `${table.schema}.${table.name}`;
  return `${base.replace(/[^A-Za-z0-9_.-]/g, '_')}.yaml`;
}
