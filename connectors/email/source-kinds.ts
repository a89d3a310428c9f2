import { z } from 'zod';
import { defineSourceKind, filePatterns } from '../../src/records/source-kind.js';
import { emlConnector } from './eml.js';
import { imapConnector } from './imap.js';

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
  connect: (options) => imapConnector(options),
});

export const emlSource = defineSourceKind({
  kind: 'eml',
  schema: z.strictObject({ kind: z.literal('eml'), files: filePatterns }),
  secretFields: [],
  connect: (options) => emlConnector(options),
});
