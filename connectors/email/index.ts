/** The email connectors: `imap` (a live mailbox, read-only) and `eml` (.eml files and .mbox archives). */
export { imapConnector, type ImapLocation } from './imap.js';
export type { ImapSourceOptions, ImapTuning } from './imap-options.js';
export { emlConnector, type EmlSourceOptions } from './eml.js';
