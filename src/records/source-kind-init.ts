/**
 * What `salvage init` needs from a kind to write its salvage.yaml entry and starter
 * rules: its default name, the entry's options, and which of init's documented record
 * shapes its records have.
 */
export interface InitPart {
  /** The source's name when `--source` gives none (the README's names: `inbox` for imap); default: the kind. */
  readonly name?: string;
  /** A file kind's globs when `--source` gives none (relative to salvage.yaml). */
  readonly files?: readonly string[];
  /**
   * An API kind's options after `kind:`, as YAML flow text (`apiKey: env:STRIPE_API_KEY`).
   * `env(SUFFIX)` names the source's variable for a secret or a value init cannot know.
   */
  options?(env: (suffix: string) => string): string;
  /** The comment beside the entry: what to know before the first pull. */
  readonly note?: string;
  /** The record families its records belong to; without any, init writes no starter rule from it. */
  readonly families?: readonly InitRecordFamily[];
}

/**
 * The record families init knows the documented shape of (src/init/known-fields.ts):
 * calendar events of a calendar (they lead a rule's sources), calendar events that came
 * as invites in mail (after them), email messages, Stripe's objects, and CSV rows (one
 * family per source, from its header and sampled rows).
 */
export type InitRecordFamily = 'calendar events' | 'calendar invites' | 'email messages' | 'stripe objects' | 'csv rows';
