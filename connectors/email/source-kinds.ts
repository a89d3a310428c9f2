import { z } from 'zod';
import { defineSourceKind, filePatterns } from '../../src/records/source-kind.js';
import { connectorOnPull } from '../../src/records/connector-on-pull.js';

export const imapSource = defineSourceKind({
  kind: 'imap',
  schema: z.strictObject({
    kind: z.literal('imap'),
    host: z.string().min(1),
    port: z.number().int().positive().optional(),
    secure: z.boolean().optional(),
    user: z.string().min(1),
    pass: z.string().optional(),
    accessToken: z.string().optional(),
    auth: z.enum(['password', 'xoauth2']).optional(),
    mailboxes: z.array(z.string()).min(1).optional(),
  }),
  secretFields: ['pass', 'accessToken'],
  preserve: { expiry: ({ count }) => `${count} records as the mailboxes are now; messages can be deleted or expunged by people and retention policies at any time` },
  init: {
    name: 'inbox',
    options: (env) => `host: ${env('HOST')}, port: 993, secure: true, user: ${env('USER')}, pass: ${env('PASS')}, mailboxes: [INBOX]`,
    note: 'mailboxes are only EXAMINEd: no message is marked read',
    // Mail carries calendar invites too, after the calendars' own events.
    families: ['email messages', 'calendar invites'],
  },
  connect: (options) => connectorOnPull('imap', async () => (await import('./imap.js')).imapConnector(options)),
});

export const emlSource = defineSourceKind({
  kind: 'eml',
  schema: z.strictObject({ kind: z.literal('eml'), files: filePatterns }),
  secretFields: [],
  init: { name: 'mailfiles', files: ['exports/mail/**/*.eml', 'exports/*.mbox'], families: ['email messages', 'calendar invites'] },
  connect: (options) => connectorOnPull('eml', async () => (await import('./eml.js')).emlConnector(options)),
});
