import { z } from 'zod';
import type { Connector } from './connector.js';

/**
 * What a connector tells the rest of salvage about its kind of source: the one place a
 * new source is described. connectors/registry.ts lists them; config validation and
 * pull read that list, so adding a source is its folder plus one line there.
 */
export interface SourceKindSpec<Schema extends z.ZodObject = z.ZodObject> {
  /** `kind:` in salvage.yaml. */
  readonly kind: string;
  /** A source's entry in salvage.yaml, `kind` included: strict, so a misspelt option is an error. */
  readonly schema: Schema;
  /** Option names whose values are secrets: accepted only as env:NAME, registered for redaction. */
  readonly secretFields: readonly string[];
  /** The connector for one configured source; may refuse unsafe options, naming them by `where` (`sources.<name>`). */
  connect(options: z.infer<Schema>, where: string): Connector;
}

/** Declares a source kind with its options typed by its own schema. */
export function defineSourceKind<Schema extends z.ZodObject>(spec: SourceKindSpec<Schema>): SourceKindSpec<Schema> {
  return spec;
}

/** `files:` of a file source: globs relative to the config's directory, at least one. */
export const filePatterns = z.array(z.string().min(1)).min(1, 'list at least one file or glob pattern');
