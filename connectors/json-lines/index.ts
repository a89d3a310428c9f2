/** The `jsonl` connector's public face: JSON-lines files (application logs, archived webhooks), gzip or not. */
export { jsonLinesConnector, type JsonLinesSourceOptions } from './connector.js';
export { jsonLinesSource } from './source-kind.js';
