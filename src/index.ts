/**
 * salvage as a library: every CLI command is one of these functions. Like the CLI, this
 * entry hands the connector registry to the stages that read sources; the rest of src/
 * never imports connectors/, so a caller may hand its own list instead (`kinds`).
 */
import { SOURCE_KINDS } from '../connectors/registry.js';
import { loadConfig as loadConfigOf, parseConfig as parseConfigOf, type LoadConfigOptions, type SalvageConfig } from './config/load.js';
import { runDemo as runDemoOf, type DemoOptions, type DemoResult } from './demo/run-demo.js';
import { init as initOf, type InitOptions, type InitResult } from './init/index.js';
import { registerSecretPatterns } from './records/source-kind.js';

// Any output is scrubbed of the credentials the kinds know the shape of, before a config is read too.
registerSecretPatterns(SOURCE_KINDS);

/** The kinds to read sources with, when the caller names none: every kind salvage ships. */
type WithKinds<Options extends { kinds: unknown }> = Omit<Options, 'kinds'> & Partial<Pick<Options, 'kinds'>>;

function withKinds<Options extends { kinds: unknown }>(options: WithKinds<Options>): Options {
  return { ...options, kinds: options.kinds ?? SOURCE_KINDS } as Options;
}

export function loadConfig(file: string, options: WithKinds<LoadConfigOptions> = {}): Promise<SalvageConfig> {
  return loadConfigOf(file, withKinds(options));
}

export function parseConfig(text: string, file: string, options: WithKinds<LoadConfigOptions> = {}): SalvageConfig {
  return parseConfigOf(text, file, withKinds(options));
}

export function init(options: WithKinds<InitOptions>): Promise<InitResult> {
  return initOf(withKinds(options));
}

export function runDemo(options: WithKinds<DemoOptions>): Promise<DemoResult> {
  return runDemoOf(withKinds(options));
}

export { SOURCE_KINDS };
export { defineSourceKind, type SourceKindSpec, type SourceKinds } from './records/source-kind.js';
export type { SalvageConfig, LoadConfigOptions };
export { pull, type PullOptions, type PullSummary } from './pull/pull.js';
export { reconcile, type ReconcileOptions, type ReconcileResult } from './reconcile/reconcile.js';
export { writePatch as patch, buildPatch } from './patch/patch.js';
export { readChangeset } from './changeset/read-changeset.js';
export { apply, type ApplyOptions, type ApplyResult } from './apply/apply.js';
export { renderChangeset } from './report/render.js';
export { formatInitReport } from './init/index.js';
export { check, formatCheckReport } from './check/index.js';
export { review } from './decide/review.js';
export { loadMappings, parseMappings } from './mapping/load.js';
export type { Changeset, Change } from './changeset/changeset.js';
export type { SourceRecord } from './records/envelope.js';
export type { Connector, PullContext } from './records/connector.js';
export * from './errors.js';
