import { stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { SourceInputError } from '../../src/records/connector.js';

/** A file a source's patterns matched. */
export interface MatchedFile {
  absolutePath: string;
  /** Relative to baseDir with forward slashes: what ids and refs show. */
  displayPath: string;
}

/**
 * Expands the patterns in order, each pattern's matches sorted, duplicates dropped.
 * A pattern that matches nothing is an error: a typo would otherwise look like
 * "the export had no rows", which is exactly the silent loss salvage must not allow.
 */
export async function resolveFilePatterns(patterns: string[], baseDir: string, warn: (line: string) => void = () => undefined): Promise<MatchedFile[]> {
  const seen = new Set<string>();
  const files: MatchedFile[] = [];
  for (const pattern of patterns) {
    const matches = await matchPattern(pattern, baseDir);
    if (matches.length === 0) {
      throw new SourceInputError(
        `the pattern "${pattern}" matches no file in ${baseDir}; check the path in salvage.yaml ` +
          '(patterns are relative to the directory of the config file)',
      );
    }
    for (const absolutePath of matches) {
      if (seen.has(absolutePath)) continue;
      seen.add(absolutePath);
      const displayPath = path.relative(baseDir, absolutePath).split(path.sep).join('/');
      // An empty export reads as "no rows" without a word: say so (an export cut off at 0 bytes is a real failure mode).
      if ((await stat(absolutePath)).size === 0) warn(`warning: ${displayPath} is empty (0 bytes): no records come from it; check that the export finished`);
      files.push({ absolutePath, displayPath });
    }
  }
  return files;
}

async function matchPattern(pattern: string, baseDir: string): Promise<string[]> {
  const matches = await glob([pattern], { cwd: baseDir, absolute: true, onlyFiles: true });
  if (matches.length > 0) return matches.map((match) => path.normalize(match)).sort();
  // A literal file name with glob syntax in it (`export (1).csv`) is still that file.
  const literal = path.resolve(baseDir, pattern);
  const isFile = await stat(literal).then((info) => info.isFile(), () => false);
  return isFile ? [literal] : [];
}
