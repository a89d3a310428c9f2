import type { SourceKind } from '../config/schema.js';
import { UsageError } from '../errors.js';

/**
 * The sources `salvage init` writes into salvage.yaml, as named on the command line:
 * `--source stripe`, `--source inbox=imap`, `--source payments=csv:exports/payments.csv`.
 * File sources given files are sampled, so their starter rules use the fields the
 * files really have.
 */
export interface InitSourceSpec {
  /** The source's name in salvage.yaml (and in `source:` of rules); default by kind. */
  name?: string;
  kind: SourceKind;
  /** For csv, ics and eml: file globs, relative to the directory init writes into. */
  files?: string[];
}

/** A spec with its name decided. */
export type NamedSource = InitSourceSpec & { name: string };

export const SOURCE_KINDS: readonly SourceKind[] = ['stripe', 'imap', 'google-calendar', 'ics', 'csv', 'eml', 'jsonl'];
const FILE_KINDS: ReadonlySet<SourceKind> = new Set<SourceKind>(['csv', 'ics', 'eml', 'jsonl']);

/** The names the README's example config uses, so a generated config reads like the docs. */
const DEFAULT_NAMES: Readonly<Record<SourceKind, string>> = {
  stripe: 'stripe',
  imap: 'inbox',
  'google-calendar': 'calendar',
  ics: 'invites',
  csv: 'ledger',
  eml: 'mailfiles',
  jsonl: 'logs',
};

export function isFileKind(kind: SourceKind): boolean {
  return FILE_KINDS.has(kind);
}

/**
 * Parses one `--source` argument: `KIND`, `NAME=KIND`, or `NAME=KIND:GLOB[,GLOB...]`
 * (also `KIND:GLOB`). Throws UsageError (exit 2) naming the accepted forms.
 */
export function parseSourceArgument(text: string): InitSourceSpec {
  const m = /^(?:([A-Za-z0-9_-]+)=)?([a-z-]+)(?::(.+))?$/.exec(text.trim());
  const kind = m?.[2] as SourceKind | undefined;
  if (!m || kind === undefined || !SOURCE_KINDS.includes(kind)) {
    throw new UsageError(
      `--source ${JSON.stringify(text)}: expected KIND, NAME=KIND or NAME=KIND:FILES, where KIND is one of ${SOURCE_KINDS.join(', ')} ` +
        '(e.g. --source stripe --source payments=csv:exports/payments.csv)',
    );
  }
  const files = m[3]?.split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (files?.length && !isFileKind(kind)) throw new UsageError(`--source ${JSON.stringify(text)}: only csv, ics, eml and jsonl sources read files`);
  return { ...(m[1] ? { name: m[1] } : {}), kind, ...(files?.length ? { files } : {}) };
}

/** Gives every source a unique name: its own, or its kind's default (`ledger`, `ledger-2`...). */
export function nameSources(specs: ReadonlyArray<string | InitSourceSpec>): NamedSource[] {
  const parsed = specs.map((s) => (typeof s === 'string' ? parseSourceArgument(s) : s));
  const taken = new Set(parsed.flatMap((s) => (s.name ? [s.name] : [])));
  if (taken.size !== parsed.filter((s) => s.name).length) throw new UsageError('two --source arguments have the same name');
  return parsed.map((spec) => {
    if (spec.name) return { ...spec, name: spec.name };
    const base = DEFAULT_NAMES[spec.kind];
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    return { ...spec, name };
  });
}
