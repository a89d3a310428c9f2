import { z } from 'zod';
import { defineSourceKind } from '../../src/records/source-kind.js';
import { connectorOnPull } from '../../src/records/connector-on-pull.js';

export const googleCalendarSource = defineSourceKind({
  kind: 'google-calendar',
  schema: z.strictObject({
    kind: z.literal('google-calendar'),
    accessToken: z.string().optional(),
    credentials: z.string().optional(),
    subject: z.string().optional(),
    calendarIds: z.union([z.literal('all'), z.array(z.string()).min(1)]).optional(),
    apiBase: z.string().url().optional(),
  }),
  secretFields: ['accessToken', 'credentials'],
  // Google OAuth access tokens; the expression can only start at its fixed prefix and never backtracks past it.
  secretPatterns: [{ markers: ['ya29.'], pattern: /\bya29\.[A-Za-z0-9_-]{10,}/g }],
  preserve: { expiry: ({ count }) => `${count} records as the calendars are now; events are edited, moved and deleted as people work` },
  init: {
    name: 'calendar',
    options: (env) => `accessToken: ${env('ACCESS_TOKEN')}, calendarIds: [primary]`,
    note: 'a read-only token is enough; calendarIds: all reads every calendar',
    families: ['calendar events'],
  },
  connect: (options) => connectorOnPull('google-calendar', async () => (await import('./connector.js')).googleCalendarConnector(options)),
});
