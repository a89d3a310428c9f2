import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { zodProblems } from '../config/load.js';
import { parseYamlDocument, problemAt, type YamlDocument } from '../config/yaml-document.js';
import { InvalidInputError, UsageError, type Problem } from '../errors.js';
import { parsePath, type FieldPath } from './path.js';
import { captureNames as patternCaptureNames, compilePattern } from './pattern.js';
import { z } from 'zod';
import { rawRule, rawTableMapping, type RawColumnSpec, type RawJsonMember, type RawLookupPart, type RawRule, type RawTableMapping } from './schema.js';
import { parseTransformStep, type TransformStep } from './transforms/index.js';
import { compileWhen, type WhenProblem } from './when.js';
import type { ColumnLookup, ColumnRule, CompiledEach, CompiledRule, MappingSet, MergePolicy, TableMapping } from './types.js';

/** Loads every *.yaml / *.yml in `dir`; throws InvalidInputError with all problems of all files. */
export async function loadMappings(dir: string): Promise<MappingSet> {
  const { set, problems } = await loadMappingsCollecting(dir);
  if (problems.length) throw new InvalidInputError('invalid mappings', problems);
  return set;
}

/**
 * Like loadMappings, but returns what compiled together with every problem, so that a
 * caller can add the problems it finds itself (against the schema) and report them all
 * in one go.
 */
export async function loadMappingsCollecting(dir: string): Promise<{ set: MappingSet; problems: Problem[]; files: Array<{ file: string; text: string }> }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (error) {
    throw new UsageError(`cannot read the mappings folder ${dir}: ${(error as Error).message} (set "mappings:" in salvage.yaml)`);
  }
  if (names.length === 0) throw new UsageError(`no mapping files (*.yaml) in ${dir}: write one per table (see docs/mapping-language.md)`);
  const files = await Promise.all(
    names.map(async (n) => ({ file: path.join(dir, n), text: await readFile(path.join(dir, n), 'utf8') })),
  );
  // The texts too: a mapping worker compiles the same rules from them.
  return { ...parseMappingsCollecting(files), files };
}

/** Validates and compiles mapping texts; every problem in every file is reported at once. */
export function parseMappings(files: Array<{ file: string; text: string }>): MappingSet {
  const { set, problems } = parseMappingsCollecting(files);
  if (problems.length) throw new InvalidInputError('invalid mappings', problems);
  return set;
}

/** A table file whose rules are checked one by one, so one rule's mistake hides no other's. */
const looseTable = z.object({ ...rawTableMapping.shape, rules: z.array(z.unknown()).min(1, 'a mapping needs at least one rule') });
const looseRule = z.object(rawRule.shape);

export function parseMappingsCollecting(files: Array<{ file: string; text: string }>): { set: MappingSet; problems: Problem[] } {
  const problems: Problem[] = [];
  const tables: TableMapping[] = [];
  const seenTables = new Map<string, string>();
  for (const { file, text } of files) {
    const doc = parseYamlDocument(text, file);
    if (doc.syntaxProblems.length) {
      problems.push(...doc.syntaxProblems);
      continue;
    }
    problems.push(...prototypeKeys(doc, doc.value, []));
    // Strict checks report every unknown key and wrong type; loose parses keep compiling what
    // is usable, so that one mistake does not hide the next.
    const strict = rawTableMapping.safeParse(doc.value ?? {});
    if (!strict.success) problems.push(...zodProblems(doc, strict.error.issues));
    const loose = looseTable.safeParse(doc.value ?? {});
    if (!loose.success) continue;
    // Each usable rule with its place in the file: a rule left out must not shift the lines of the next.
    const rules: Array<{ rule: RawRule; index: number }> = [];
    loose.data.rules.forEach((rule, index) => {
      const parsedRule = looseRule.safeParse(rule);
      if (parsedRule.success) rules.push({ rule: parsedRule.data as RawRule, index });
    });
    if (rules.length === 0) continue;
    const mapping = compileTable(doc, { ...loose.data, rules: rules.map((r) => r.rule) } as RawTableMapping, rules.map((r) => r.index), problems);
    const previous = seenTables.get(mapping.table);
    if (previous) {
      problems.push(problemAt(doc, ['table'], `table "${mapping.table}" is already mapped in ${previous}: put all its rules in one file`));
    } else {
      seenTables.set(mapping.table, file);
    }
    tables.push(mapping);
  }
  return { set: { tables, rules: tables.flatMap((t) => t.rules) }, problems: dedupe(problems) };
}

/** A mistake seen by both the strict and the loose pass is one problem. */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.file}:${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compileTable(doc: YamlDocument, raw: RawTableMapping, places: number[], problems: Problem[]): TableMapping {
  const base = path.basename(doc.file);
  const merge: Record<string, MergePolicy> = {};
  for (const [column, policy] of Object.entries(raw.merge ?? {})) {
    merge[column] = typeof policy === 'string' ? { kind: policy } : { kind: 'prefer', sources: policy.prefer };
  }
  const seenNames = new Set<string>();
  const rules: CompiledRule[] = [];
  raw.rules.forEach((rule, at) => {
    const index = places[at] ?? at;
    if (seenNames.has(rule.name)) {
      problems.push(problemAt(doc, ['rules', index, 'name'], `rule name "${rule.name}" is used twice in this file`));
    }
    seenNames.add(rule.name);
    const compiled = compileRule(doc, `${base}#${rule.name}`, raw.table, rule, ['rules', index], problems);
    if (compiled) rules.push(compiled);
  });
  const pos = (at: Array<string | number>) => ({ file: doc.file, ...doc.locate(at) });
  return {
    file: doc.file,
    positions: {
      table: pos(['table']),
      match: raw.match ? pos(['match']) : undefined,
      prefer: raw.prefer ? pos(['prefer']) : undefined,
      keepExisting: raw.keep_existing ? pos(['keep_existing']) : undefined,
      merge: Object.fromEntries(Object.keys(raw.merge ?? {}).map((c) => [c, pos(['merge', c])])),
    },
    table: raw.table,
    match: raw.match?.map((k) => (Array.isArray(k) ? k : [k])),
    prefer: raw.prefer ?? [],
    merge,
    keepExisting: new Set(raw.keep_existing ?? []),
    rules,
  };
}

function compileRule(
  doc: YamlDocument,
  id: string,
  table: string,
  rule: RawRule,
  at: Array<string | number>,
  problems: Problem[],
): CompiledRule | undefined {
  const before = problems.length;
  const path_ = (text: string, where: Array<string | number>): FieldPath | undefined => {
    const p = parsePath(text);
    if ('error' in p) {
      problems.push(problemAt(doc, where, p.error));
      return undefined;
    }
    return p;
  };

  const whenProblems: WhenProblem[] = [];
  const conditions = rule.when === undefined ? [] : compileWhen(rule.when, [...at, 'when'], whenProblems);
  for (const problem of whenProblems) problems.push(problemAt(doc, problem.at, problem.message, { key: problem.key ?? false }));

  const captureNames = new Set<string>();
  const extracts = (rule.extract ?? []).flatMap((ex, i) => {
    const p = path_(ex.from, [...at, 'extract', i, 'from']);
    const pattern = compilePattern(ex.pattern, ex.flags ?? '');
    if ('error' in pattern) {
      problems.push(problemAt(doc, [...at, 'extract', i, 'pattern'], `invalid regular expression: ${pattern.error}`));
      return [];
    }
    const names = patternCaptureNames(ex.pattern);
    if (names.length === 0) {
      problems.push(problemAt(doc, [...at, 'extract', i, 'pattern'], 'the pattern has no named capture: write (?<name>...) and use it as $name'));
    }
    names.forEach((n) => captureNames.add(n));
    return p ? [{ from: p, pattern, optional: ex.optional ?? false }] : [];
  });

  let each: CompiledEach | undefined;
  if (rule.each) {
    const from = path_(rule.each.from, [...at, 'each', 'from']);
    const as = rule.each.as ?? 'item';
    if (from?.capture !== undefined && !captureNames.has(from.capture)) {
      problems.push(problemAt(doc, [...at, 'each', 'from'], `$${from.capture} is not captured by any extract pattern of this rule`));
    }
    if (captureNames.has(as)) problems.push(problemAt(doc, [...at, 'each'], `$${as} is already a capture of an extract pattern: name the element otherwise with "as:"`));
    captureNames.add(as);
    if (rule.each.split === '') problems.push(problemAt(doc, [...at, 'each', 'split'], 'split by what? give the text between elements, such as "," or "\\n"'));
    if (from) each = { from, as, ...(rule.each.split ? { split: rule.each.split } : {}) };
  }

  const columns: ColumnRule[] = [];
  for (const [column, spec] of Object.entries(rule.columns)) {
    const compiled = compileColumn(doc, column, spec, [...at, 'columns', column], problems, path_);
    if (!compiled) continue;
    for (const p of pathsOf(compiled)) {
      if (p.capture !== undefined && !captureNames.has(p.capture)) {
        const why = p.capture === 'item' && !each ? ' ($item is the element of a list the rule reads with "each:")' : '';
        problems.push(problemAt(doc, [...at, 'columns', column], `$${p.capture} is not captured by any extract pattern of this rule${why}`));
      }
    }
    columns.push(compiled);
  }

  // A rule with mistakes is still returned (its broken parts left out), so that the schema
  // checks can report what else is wrong with it; callers refuse the set while problems exist.
  void before;
  return {
    id,
    name: rule.name,
    table,
    position: { file: doc.file, ...doc.locate(at) },
    sourcePosition: rule.source ? { file: doc.file, ...doc.locate([...at, 'source']) } : undefined,
    sources: rule.source ? new Set(typeof rule.source === 'string' ? [rule.source] : rule.source) : undefined,
    types: rule.type ? typeGlob(typeof rule.type === 'string' ? [rule.type] : rule.type) : undefined,
    ...(rule.type ? { typeGlobs: typeof rule.type === 'string' ? [rule.type] : rule.type } : {}),
    conditions,
    ...(rule.when !== undefined ? { when: rule.when } : {}),
    extracts,
    ...(each ? { each } : {}),
    columns,
  };
}

/** Every path a column reads, its lookup parts and JSON members included. */
function pathsOf(rule: ColumnRule): FieldPath[] {
  return [...rule.from, ...(rule.lookup?.parts ?? []).flatMap(pathsOf), ...(rule.json ?? []).flatMap((m) => pathsOf(m.rule))];
}

type PathOf = (text: string, where: Array<string | number>) => FieldPath | undefined;

function compileColumn(
  doc: YamlDocument,
  column: string,
  spec: RawColumnSpec | RawJsonMember | RawLookupPart,
  at: Array<string | number>,
  problems: Problem[],
  path_: PathOf,
): ColumnRule | undefined {
  const position = { file: doc.file, ...doc.locate(at) };
  if (typeof spec === 'string') {
    const p = path_(spec, at);
    return p ? { column, position, from: [p], transforms: [] } : undefined;
  }
  const lookup = 'lookup' in spec ? spec.lookup : undefined;
  const composite = lookup !== undefined && typeof lookup.by !== 'string';
  const json = 'json' in spec ? spec.json : undefined;
  const hasFrom = spec.from !== undefined;
  const hasValue = Object.prototype.hasOwnProperty.call(spec, 'value');
  const ways = [hasFrom && 'from', hasValue && 'value', json !== undefined && 'json', composite && 'lookup by several columns'].filter((w): w is string => typeof w === 'string');
  if (ways.length !== 1) {
    const message =
      ways.length === 0
        ? 'give "from" (a field path) or "value" (a constant); for a json or jsonb column, "json" builds an object from members'
        : composite && hasFrom
          ? 'a lookup by several columns takes each value from its column under "by": move "from" there'
          : ways.length === 2
            ? `give either ${ways.map((w) => `"${w}"`).join(' or ')}, not both`
            : `give only one of ${ways.map((w) => `"${w}"`).join(', ')}`;
    problems.push(problemAt(doc, at, message));
    return undefined;
  }
  if (lookup && !hasFrom && !composite) {
    problems.push(problemAt(doc, at, 'a lookup needs "from": the natural key to look up'));
  }
  if (json !== undefined && spec.transform !== undefined) {
    problems.push(problemAt(doc, [...at, 'transform'], 'transforms apply to the members of a "json" object, not to the object'));
  }
  const fromTexts = spec.from === undefined ? [] : typeof spec.from === 'string' ? [spec.from] : spec.from;
  const from = fromTexts.flatMap((t, i) => {
    const p = path_(t, typeof spec.from === 'string' ? [...at, 'from'] : [...at, 'from', i]);
    return p ? [p] : [];
  });
  const transforms: TransformStep[] = [];
  (spec.transform ?? []).forEach((raw, i) => {
    const parsed = parseTransformStep(raw);
    if (parsed.ok) transforms.push(parsed.step);
    else for (const message of parsed.problems) problems.push(problemAt(doc, [...at, 'transform', i], message));
  });
  const members = json === undefined ? undefined : Object.entries(json).flatMap(([key, member]) => {
    const rule = compileColumn(doc, key, member, [...at, 'json', key], problems, path_);
    return rule ? [{ key, rule }] : [];
  });
  return {
    column,
    position,
    from,
    constant: hasValue ? (spec.value ?? null) : undefined,
    transforms,
    default: spec.default,
    ...(members ? { json: members } : {}),
    lookup: lookup ? compileLookup(doc, lookup, [...at, 'lookup'], problems, path_) : undefined,
  };
}

function compileLookup(
  doc: YamlDocument,
  lookup: { table: string; by: string | Record<string, RawLookupPart>; optional?: boolean },
  at: Array<string | number>,
  problems: Problem[],
  path_: PathOf,
): ColumnLookup {
  const optional = lookup.optional ?? false;
  if (typeof lookup.by === 'string') return { table: lookup.table, by: lookup.by, optional };
  if (Object.keys(lookup.by).length === 0) problems.push(problemAt(doc, [...at, 'by'], 'give the parent columns to look up by, each with where its value comes from'));
  const parts = Object.entries(lookup.by).flatMap(([column, part]) => {
    const rule = compileColumn(doc, column, part, [...at, 'by', column], problems, path_);
    return rule ? [rule] : [];
  });
  return { table: lookup.table, by: compositeName(Object.keys(lookup.by)), optional, parts };
}

/** How a lookup by several columns is named: `(practitioner_id, starts_at)`. */
export function compositeName(columns: string[]): string {
  return `(${columns.join(', ')})`;
}

/** `calendar.*` style globs over record types. */
function typeGlob(patterns: string[]): RegExp {
  const alternatives = patterns.map((p) => p.split('*').map(escapeRegex).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `__proto__` cannot be a key of a JavaScript record: refuse it with its line instead of losing it. */
function prototypeKeys(doc: YamlDocument, value: unknown, at: Array<string | number>): Problem[] {
  if (!value || typeof value !== 'object') return [];
  const out: Problem[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key === '__proto__') out.push(problemAt(doc, [...at, key], 'a key named __proto__ cannot be used here (rename the column in a view, or map it with a constant name)', { key: true }));
    out.push(...prototypeKeys(doc, child, [...at, Array.isArray(value) ? Number(key) : key]));
  }
  return out;
}
