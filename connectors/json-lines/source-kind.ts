import { z } from 'zod';
import { defineSourceKind, filePatterns } from '../../src/records/source-kind.js';
import { connectorOnPull } from '../../src/records/connector-on-pull.js';

export const jsonLinesSource = defineSourceKind({
  kind: 'jsonl',
  schema: z.strictObject({
    kind: z.literal('jsonl'),
    files: filePatterns,
    idField: z.string().min(1).optional(),
    createdField: z.string().min(1).optional(),
    updatedField: z.string().min(1).optional(),
  }),
  secretFields: [],
  // init writes its entry but no starter rule: a JSON line has no shape init knows.
  init: { name: 'logs', files: ['exports/logs/*.jsonl*'] },
  connect: (options) => connectorOnPull('jsonl', async () => (await import('./connector.js')).jsonLinesConnector(options)),
});
