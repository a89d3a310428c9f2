import type { SalvageConfig } from '../config/load.js';
import type { Catalog } from '../db/catalog-types.js';
import { findTable, readCatalog } from '../db/catalog.js';
import { connectDatabase } from '../db/connect.js';
import { InvalidInputError, type Problem } from '../errors.js';
import { readDeclaredDomains, type ValueDomains } from '../db/value-domains.js';
import { bindMappings, partialLookupNote } from '../mapping/check-catalog.js';
import type { MappingSet } from '../mapping/types.js';
import { BEGIN_READ_ONLY_SNAPSHOT, ROLLBACK } from '../sql/select.js';
import { loadMappingFiles } from './load-mapping-files.js';
import { nowDefaultWarnings } from '../mapping/now-defaults.js';
import { sortProblems, type CheckReport } from './report.js';
import { columnFit } from './column-fit.js';
import { ruleStats } from './rule-stats.js';
import { schemaProblems } from './schema-checks.js';
import { embeddedDir } from '../runtime/job-paths.js';

/**
 * `salvage check`: everything that can be wrong with the config and the mappings,
 * found before a reconcile and reported at once with file:line (TODOs left by init,
 * unknown tables and columns, values that cannot fit their column, required columns
 * no rule fills); and, when records are pulled, what each rule makes of them.
 * Reads the backup's schema only (read-only session) and the records files.
 * Never throws for a problem in the user's files: they are all in the report.
 */
export async function check(config: SalvageConfig): Promise<CheckReport> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  for (const missing of config.missingEnv) (missing.path[0] === 'backup' ? problems : warnings).push(missing.problem);

  const loaded = await loadMappingFiles(config.mappingsDir);
  problems.push(...loaded.problems);

  let backup: CheckReport['backup'];
  let schema: { catalog: Catalog; domains: ValueDomains } | undefined;
  if (!config.missingEnv.some((m) => m.path[0] === 'backup')) {
    try {
      const db = await connectDatabase({ url: config.backup.url, embeddedDir: embeddedDir(config.jobDir, 'backup'), readOnly: true, applicationName: 'salvage check' });
      try {
        await db.client.query(BEGIN_READ_ONLY_SNAPSHOT);
        schema = { catalog: await readCatalog(db.client), domains: await readDeclaredDomains(db.client) };
        await db.client.query(ROLLBACK);
        backup = { database: db.database, describe: db.describe };
      } finally {
        await db.close();
      }
    } catch (error) {
      problems.push({ file: config.file, message: `cannot read the backup's schema: ${(error as Error).message}` });
    }
  }
  if (schema) {
    problems.push(...againstSchema(loaded.mappings, schema, Object.keys(config.sources)));
    warnings.push(...sortProblems(nowDefaultWarnings(loaded.mappings, schema.catalog)));
    warnings.push(...partialLookups(loaded.mappings, schema.catalog));
  }

  const keysOf = (table: string) => {
    const found = schema && findTable(schema.catalog, table);
    if (!found) return undefined;
    const mapping = loaded.mappings.tables.find((t) => t.table === table);
    return [...(found.primaryKey.length ? [found.primaryKey] : []), ...(mapping?.match ?? found.uniqueKeys)];
  };
  const stats = await ruleStats(config, loaded.mappings, keysOf, schema && columnFit(schema.catalog));
  for (const rule of stats.rules) {
    if (rule.unfit) warnings.push({ ...rule.position, message: `${rule.rule}: ${rule.unfit} value(s) cannot be stored exactly in their column; those rows will be unrecoverable (see the rule below)` });
  }
  for (const source of stats.sources) {
    if (source.error) problems.push({ file: config.file, message: `records of source "${source.name}": ${source.error}` });
  }

  const sorted = sortProblems(problems);
  return {
    config: config.file,
    mappingsDir: config.mappingsDir,
    ...(backup ? { backup } : {}),
    problems: sorted,
    warnings,
    unloaded: loaded.unloaded,
    rules: stats.rules,
    sources: stats.sources,
    ok: sorted.length === 0,
  };
}

/** Lookups by a column unique only among some rows (see partialLookupNote), at the line of each. */
function partialLookups(mappings: MappingSet, catalog: Catalog): Problem[] {
  const notes: Problem[] = [];
  for (const rule of mappings.rules) {
    for (const column of rule.columns) {
      const parent = column.lookup && findTable(catalog, column.lookup.table);
      const note = parent && column.lookup ? partialLookupNote(parent, column.lookup.by) : undefined;
      if (note) notes.push({ file: column.position.file, line: column.position.line, column: column.position.column, message: note });
    }
  }
  return notes;
}

function againstSchema(mappings: MappingSet, schema: { catalog: Catalog; domains: ValueDomains }, sourceNames: string[]): Problem[] {
  const problems: Problem[] = [];
  try {
    bindMappings(mappings, schema.catalog, sourceNames);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    problems.push(...error.problems);
  }
  problems.push(...schemaProblems(mappings, schema.catalog, schema.domains));
  return problems;
}
