/** `salvage init`: the first hour on an unknown schema. */
export { init, type InitOptions, type InitResult } from './init.js';
export { formatInitReport, type InitReport, type TableReport } from './report.js';
export { parseSourceArgument, type InitSourceSpec } from './source-specs.js';
export { TODO } from './plan-types.js';
