/** salvage as a library: every CLI command is one of these functions. */
export { loadConfig, parseConfig, type SalvageConfig } from './config/load.js';
export { pull, type PullOptions, type PullSummary } from './pull/pull.js';
export { reconcile, type ReconcileOptions, type ReconcileResult } from './reconcile/reconcile.js';
export { writePatch as patch, buildPatch } from './patch/patch.js';
export { readChangeset } from './changeset/read-changeset.js';
export { apply, type ApplyOptions, type ApplyResult } from './apply/apply.js';
export { renderChangeset } from './report/render.js';
export { runDemo } from './demo/run-demo.js';
export { init, formatInitReport } from './init/index.js';
export { check, formatCheckReport } from './check/index.js';
export { review } from './decide/review.js';
export { loadMappings, parseMappings } from './mapping/load.js';
export type { Changeset, Change } from './changeset/changeset.js';
export type { SourceRecord } from './records/envelope.js';
export type { Connector, PullContext } from './records/connector.js';
export * from './errors.js';
