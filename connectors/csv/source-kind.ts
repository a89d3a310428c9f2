import { z } from 'zod';
import { defineSourceKind, filePatterns } from '../../src/records/source-kind.js';
import { isKnownEncoding } from '../shared/text-decoding.js';
import { connectorOnPull } from '../../src/records/connector-on-pull.js';

export const csvSource = defineSourceKind({
  kind: 'csv',
  schema: z.strictObject({
    kind: z.literal('csv'),
    files: filePatterns,
    delimiter: z.string().length(1).optional(),
    // Any label iconv-lite knows (windows-1252 for Excel exports from Windows, latin1, utf16le, shift_jis...).
    encoding: z.string().refine(isKnownEncoding, { message: 'unknown encoding: use a name such as utf8, windows-1252 (Excel on Windows), latin1, utf16le or shift_jis' }).optional(),
    createdColumn: z.string().optional(),
    updatedColumn: z.string().optional(),
  }),
  secretFields: [],
  init: { name: 'ledger', files: ['exports/*.csv'], families: ['csv rows'] },
  connect: (options) => connectorOnPull('csv', async () => (await import('./connector.js')).csvConnector(options)),
});
