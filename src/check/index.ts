/** `salvage check`: config and mappings against the live backup schema, and rules against pulled records. */
export { check } from './check.js';
export { formatCheckReport, type CheckReport } from './report.js';
export type { RuleStats, SourceStats } from './rule-stats.js';
