import { readsFiles } from '../records/source-kind.js';
import type { NamedSource } from './source-specs.js';
import { comment, flow, scalar } from './yaml-text.js';

export interface ConfigDraft {
  /** The job directory, relative to the config. */
  job: string;
  /** `url`: the backup is a server, named by an env variable; `embedded`: <job>/embedded/backup. */
  backup: 'url' | 'embedded';
  window: { from?: Date; fromWhy: string; to: Date; toWhy: string };
  sources: NamedSource[];
  writtenAt: Date;
}

/**
 * salvage.yaml for the named sources. Secrets are only ever `env:NAME` (docs/config.md),
 * so the file can be committed and shared; so is the backup's URL, which may hold a
 * password. A value init cannot know is a commented placeholder the config loader
 * reports by name (an unset env variable), never a made-up default.
 */
export function renderConfig(draft: ConfigDraft): string {
  const lines = [
    `# salvage.yaml, written by "salvage init" on ${draft.writtenAt.toISOString().slice(0, 10)}. See docs/config.md in salvage.`,
    '# Secrets come from the environment (env:NAME): export them before running salvage.',
    `job: ${scalar(draft.job)}${comment('the job directory: pulled records, the changeset, the patch')}`,
    draft.backup === 'url'
      ? `backup: { url: env:BACKUP_DATABASE_URL }${comment('the restored stale backup; salvage only ever reads it')}`
      : `backup: {}${comment(`no url: the embedded PostgreSQL in ${draft.job}/embedded/backup`)}`,
    `target: { url: env:TARGET_DATABASE_URL }${comment('the database to repair; only "salvage apply" writes there, after review')}`,
    'window:',
    draft.window.from
      ? `  from: ${draft.window.from.toISOString()}${comment(draft.window.fromWhy)}`
      : `  from: ${scalar('TODO: when the backup was taken, e.g. 2026-01-20T00:00:00Z')}${comment(draft.window.fromWhy)}`,
    `  to: ${draft.window.to.toISOString()}${comment(draft.window.toWhy)}`,
    'mappings: ./mappings',
    'sources:',
  ];
  for (const source of draft.sources) lines.push(...renderSource(source));
  return `${lines.join('\n')}\n`;
}

/** One source's entry, as its kind's init part says: a file kind's globs, an API kind's options with its secrets as env:. */
function renderSource(source: NamedSource): string[] {
  const key = `  ${scalar(source.name)}:`;
  const { kind } = source.spec;
  const init = source.spec.init;
  if (readsFiles(source.spec)) {
    const files = source.files ?? [...(init?.files ?? [`exports/*.${kind}`])];
    return [`${key} { kind: ${scalar(kind)}, files: ${flow(files)} }${filesComment(source)}`];
  }
  const env = (suffix: string) => `env:${source.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${suffix}`;
  const options = init?.options ? `, ${init.options(env)}` : '';
  return [`${key} { kind: ${scalar(kind)}${options} }${comment(init?.note)}`];
}

function filesComment(source: NamedSource): string {
  return comment(source.files ? 'relative to this file' : 'put the exports there (relative to this file), or change the pattern');
}
