/** A Stripe-compatible local server and the accounts it serves. */
export { startFakeStripe, type FakeStripeOptions, type FakeStripeServer, type RecordedRequest } from './server.js';
export { FakeStripeAccount } from './account.js';
export { buildBusiness, type Business, type BusinessSpec } from './business.js';
export type { FaultKind, FaultRule, RandomFaults } from './faults.js';
export * as shapes from './shapes.js';
export type { StripeJson } from './shapes.js';
export { seededRandom, stripeId } from './random.js';
