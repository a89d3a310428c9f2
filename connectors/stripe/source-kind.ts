import { z } from 'zod';
import { defineSourceKind } from '../../src/records/source-kind.js';
import { stripeConnector } from './connector.js';
import { validateStripeOptions } from './options.js';

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
  connect(options, where) {
    // Refuses a secret key (and other unsafe settings) before anything is opened or sent.
    validateStripeOptions(options, where);
    return stripeConnector(options);
  },
});
