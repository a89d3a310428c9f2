import { z } from 'zod';
import { defineSourceKind, filePatterns } from '../../src/records/source-kind.js';
import { connectorOnPull } from '../../src/records/connector-on-pull.js';

export const icsSource = defineSourceKind({
  kind: 'ics',
  schema: z.strictObject({ kind: z.literal('ics'), files: filePatterns }),
  secretFields: [],
  init: { name: 'invites', files: ['exports/*.ics'], families: ['calendar events'] },
  connect: (options) => connectorOnPull('ics', async () => (await import('./connector.js')).icsConnector(options)),
});
