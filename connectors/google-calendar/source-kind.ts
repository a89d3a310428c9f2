import { z } from 'zod';
import { defineSourceKind } from '../../src/records/source-kind.js';
import { googleCalendarConnector } from './connector.js';

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
  connect: (options) => googleCalendarConnector(options),
});
