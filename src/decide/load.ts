import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { zodProblems } from '../config/load.js';
import { parseYamlDocument } from '../config/yaml-document.js';
import { InvalidInputError } from '../errors.js';
import { decisionsSchema, type Decisions } from './schema.js';
import { decisionsPath } from '../runtime/job-paths.js';

export interface LoadedDecisions {
  decisions: Decisions;
  /** The file's text ('' when there is none): its sha256 goes into the manifest. */
  text: string;
  file: string;
}

/** Reads decisions.yaml; none means the defaults (accept inserts and updates, write no conflict). */
export async function loadDecisions(jobDir: string): Promise<LoadedDecisions> {
  const file = decisionsPath(jobDir);
  if (!existsSync(file)) return { decisions: decisionsSchema.parse({}), text: '', file };
  const text = await readFile(file, 'utf8');
  const doc = parseYamlDocument(text, file);
  if (doc.syntaxProblems.length) throw new InvalidInputError(`invalid decisions ${file}`, doc.syntaxProblems);
  const parsed = decisionsSchema.safeParse(doc.value ?? {});
  if (!parsed.success) throw new InvalidInputError(`invalid decisions ${file}`, zodProblems(doc, parsed.error.issues));
  return { decisions: parsed.data, text, file };
}
