/**
 * The Stripe connector's public face: what src/pull, the demo and the tests use.
 */
export { stripeConnector } from './connector.js';
export { validateStripeOptions, DOCUMENTED_READ_LIMIT, type StripeSourceOptions, type StripeTuning } from './options.js';
export { StripeKeyRefusedError } from './key-guard.js';
export { DEFAULT_OBJECTS, KNOWN_OBJECTS, OBJECT_KINDS, type StripeObject } from './objects.js';
export { changeVisibilityNote, EVENT_RETENTION_DAYS } from './events.js';
export type { StripePullState } from './resume-state.js';
