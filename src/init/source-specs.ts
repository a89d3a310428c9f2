import { UsageError } from '../errors.js';
import { kindNamed, readsFiles, type SourceKindSpec, type SourceKinds } from '../records/source-kind.js';

/**
 * The sources `salvage init` writes into salvage.yaml, as named on the command line:
 * `--source stripe`, `--source inbox=imap`, `--source payments=csv:exports/payments.csv`.
 * File sources given files are sampled, so their starter rules use the fields the
 * files really have. The kinds are the registry's, handed down by the CLI or the library entry.
 */
export interface InitSourceSpec {
  /** The source's name in salvage.yaml (and in `source:` of rules); default by kind. */
  name?: string;
  /** `kind:` in salvage.yaml, one of the kinds init was given. */
  kind: string;
  /** For a file kind: file globs, relative to the directory init writes into. */
  files?: string[];
}

/** A spec with its name decided and its kind's spec found. */
export type NamedSource = InitSourceSpec & { name: string; spec: SourceKindSpec };

/**
 * Parses one `--source` argument: `KIND`, `NAME=KIND`, or `NAME=KIND:GLOB[,GLOB...]`
 * (also `KIND:GLOB`). Throws UsageError (exit 2) naming the accepted forms.
 */
export function parseSourceArgument(text: string, kinds: SourceKinds): InitSourceSpec {
  const m = /^(?:([A-Za-z0-9_-]+)=)?([a-z-]+)(?::(.+))?$/.exec(text.trim());
  const spec = m?.[2] === undefined ? undefined : kindNamed(kinds, m[2]);
  if (!m || spec === undefined) throw new UsageError(`--source ${JSON.stringify(text)}: ${expectedForms(kinds)}`);
  const files = m[3]?.split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (files?.length && !readsFiles(spec)) throw new UsageError(`--source ${JSON.stringify(text)}: only ${fileKindList(kinds)} sources read files`);
  return { ...(m[1] ? { name: m[1] } : {}), kind: spec.kind, ...(files?.length ? { files } : {}) };
}

function expectedForms(kinds: SourceKinds): string {
  return (
    `expected KIND, NAME=KIND or NAME=KIND:FILES, where KIND is one of ${kinds.map((k) => k.kind).join(', ')} ` +
    '(e.g. --source stripe --source payments=csv:exports/payments.csv)'
  );
}

/** `csv, ics, eml and jsonl`: the kinds that read files, in the registry's order. */
function fileKindList(kinds: SourceKinds): string {
  const names = kinds.filter(readsFiles).map((k) => k.kind);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? 'file');
}

/** Gives every source a unique name: its own, or its kind's default (`ledger`, `ledger-2`...). */
export function nameSources(specs: ReadonlyArray<string | InitSourceSpec>, kinds: SourceKinds): NamedSource[] {
  const parsed = specs.map((s) => (typeof s === 'string' ? parseSourceArgument(s, kinds) : s));
  const taken = new Set(parsed.flatMap((s) => (s.name ? [s.name] : [])));
  if (taken.size !== parsed.filter((s) => s.name).length) throw new UsageError('two --source arguments have the same name');
  return parsed.map((source) => {
    const spec = kindNamed(kinds, source.kind);
    if (spec === undefined) throw new UsageError(`a source of kind ${JSON.stringify(source.kind)}: ${expectedForms(kinds)}`);
    if (source.name) return { ...source, name: source.name, spec };
    const base = spec.init?.name ?? spec.kind;
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    return { ...source, name, spec };
  });
}
