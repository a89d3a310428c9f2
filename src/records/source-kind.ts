import { z } from 'zod';
import { registerCredentialShape, type CredentialShape } from '../runtime/secrets.js';
import type { Connector } from './connector.js';
import type { InitPart } from './source-kind-init.js';
import type { PreservePart } from './source-kind-preserve.js';

/**
 * What a connector tells the rest of salvage about its kind of source: the one place a
 * new source is described. connectors/registry.ts lists them; the CLI and the library
 * entry hand that list to config validation, pull, preserve and init, so adding a
 * source is its folder plus one line there.
 */
export interface SourceKindSpec<Schema extends z.ZodObject = z.ZodObject> {
  /** `kind:` in salvage.yaml. */
  readonly kind: string;
  /** A source's entry in salvage.yaml, `kind` included: strict, so a misspelt option is an error. A `files` option makes it a file kind. */
  readonly schema: Schema;
  /** Option names whose values are secrets: accepted only as env:NAME, registered for redaction. */
  readonly secretFields: readonly string[];
  /** The shapes of this kind's credentials, redacted wherever they turn up (a key pasted into a record, an error). */
  readonly secretPatterns?: readonly CredentialShape[];
  /** What of it `salvage preserve` saves before it ages out; without it, the source does not age (files). */
  readonly preserve?: PreservePart<z.infer<Schema>>;
  /** How `salvage init` names it, writes its entry and reads its records; without it, a bare entry named by its kind. */
  readonly init?: InitPart;
  /** The connector for one configured source; may refuse unsafe options, naming them by `where` (`sources.<name>`). */
  connect(options: z.infer<Schema>, where: string): Connector;
}

/** The kinds salvage reads, as the CLI or the library entry hands them down (connectors/registry.ts). */
export type SourceKinds = readonly SourceKindSpec[];

/** Declares a source kind with its options typed by its own schema. */
export function defineSourceKind<Schema extends z.ZodObject>(spec: SourceKindSpec<Schema>): SourceKindSpec<Schema> {
  return spec;
}

/** `files:` of a file source: globs relative to the config's directory, at least one. */
export const filePatterns = z.array(z.string().min(1)).min(1, 'list at least one file or glob pattern');

/** Whether a kind reads files (its options include `files:`): init samples them, and only they take `--source NAME=KIND:FILES`. */
export function readsFiles(spec: SourceKindSpec): boolean {
  return 'files' in spec.schema.shape;
}

/** The spec of a kind, or undefined when the list has none by that name. */
export function kindNamed(kinds: SourceKinds, kind: string): SourceKindSpec | undefined {
  return kinds.find((k) => k.kind === kind);
}

/**
 * Registers every kind's credential shapes for redaction, whichever kinds a config uses:
 * a Stripe key pasted into a mail is still a key. Loading a config does it; so do the CLI
 * and the library entry, for output made before any config is read.
 */
export function registerSecretPatterns(kinds: SourceKinds): void {
  for (const kind of kinds) for (const shape of kind.secretPatterns ?? []) registerCredentialShape(shape);
}
