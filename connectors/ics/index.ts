/** The `ics` connector's public face: what src/pull and the tests use. */
export { icsConnector, type IcsSourceOptions } from './connector.js';
