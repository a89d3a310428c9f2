import { z } from 'zod';
import { defineSourceKind } from '../../src/records/source-kind.js';
import { connectorOnPull } from '../../src/records/connector-on-pull.js';
import { validateStripeOptions } from './options.js';
import { stripeEventsExpiry } from './events-expiry.js';

export const stripeSource = defineSourceKind({
  kind: 'stripe',
  schema: z.strictObject({
    kind: z.literal('stripe'),
    apiKey: z.string().min(1),
    apiBase: z.string().url().optional(),
    objects: z.array(z.string()).optional(),
    connectedAccount: z.string().optional(),
    accounts: z.union([z.literal('all'), z.array(z.string()).min(1)]).optional(),
    allowSecretKey: z.boolean().optional(),
  }),
  secretFields: ['apiKey'],
  // Secret and restricted keys; the expression can only start at its fixed prefix and never backtracks past it.
  secretPatterns: [{ markers: ['_live_', '_test_'], pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}/g }],
  // Only the events age out; objects stay listable as long as they exist.
  preserve: { aging: (options) => ({ ...options, objects: ['events'] }), expiry: stripeEventsExpiry },
  init: {
    name: 'stripe',
    options: (env) => `apiKey: ${env('API_KEY')}`,
    note: 'a restricted key with read access is enough; salvage never writes to Stripe',
    families: ['stripe objects'],
  },
  connect(options, where) {
    // Refuses a secret key (and other unsafe settings) before anything is opened or sent.
    validateStripeOptions(options, where);
    return connectorOnPull('stripe', async () => (await import('./connector.js')).stripeConnector(options));
  },
});
