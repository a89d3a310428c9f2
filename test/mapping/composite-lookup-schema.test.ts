import { describe, expect, it } from 'vitest';
import { readCatalog } from '../../src/db/catalog.js';
import type { Catalog } from '../../src/db/catalog-types.js';
import { InvalidInputError } from '../../src/errors.js';
import { bindMappings } from '../../src/mapping/check-catalog.js';
import { parseMappings } from '../../src/mapping/load.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';

const pgUp = await postgresAvailable();

const SCHEMA = `
CREATE TABLE "practitioners" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE, team text NOT NULL);
CREATE TABLE rooms (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE "order" (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practitioner_id uuid NOT NULL REFERENCES practitioners (id),
  room_id bigint NOT NULL,
  "select" timestamptz NOT NULL,
  note text,
  UNIQUE (practitioner_id, "select")
);
CREATE TABLE treatments (order_id uuid NOT NULL REFERENCES "order" (id), code text NOT NULL, PRIMARY KEY (order_id, code));
`;

function problemsOf(catalog: Catalog, text: string): string[] {
  try {
    bindMappings(parseMappings([{ file: 'treatments.yaml', text }]), catalog, ['calendar']);
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.line}: ${p.message}`);
    throw error;
  }
  return [];
}

describe.runIf(pgUp)('lookups by several columns against the schema', () => {
  let catalog: Catalog;
  connectedDatabase('composite_lookup', {
    setup: async (client) => {
      await client.query(SCHEMA);
      catalog = await readCatalog(client);
    },
  });

  it('binds columns that are unique together, a part looked up through its own foreign key', () => {
    const text = `table: treatments
rules:
  - name: codes
    columns:
      code: data.code
      order_id:
        lookup:
          table: order
          by:
            practitioner_id: { from: data.organizer, lookup: { table: practitioners, by: email } }
            select: { from: data.start, transform: [timestamp] }
`;
    const [bound] = bindMappings(parseMappings([{ file: 'treatments.yaml', text }]), catalog, ['calendar']);
    expect(bound?.lookups).toEqual([
      expect.objectContaining({
        column: 'order_id',
        by: '(practitioner_id, select)',
        refColumn: 'id',
        parts: [
          { column: 'practitioner_id', nested: expect.objectContaining({ table: 'practitioners', by: 'email', refColumn: 'id' }) },
          { column: 'select' },
        ],
      }),
    ]);
  });

  it('refuses columns not unique together, unknown columns and a part that points nowhere, all at once', () => {
    const text = `table: treatments
rules:
  - name: not-unique
    columns:
      code: data.code
      order_id:
        lookup:
          table: order
          by:
            room_id: data.room
            select: data.start
  - name: wrong-parts
    columns:
      code: data.code
      order_id:
        lookup:
          table: order
          by:
            practitioner_id: { from: data.organizer, lookup: { table: practitioners, by: team } }
            room_id: { from: data.room, lookup: { table: rooms, by: name } }
            starts: data.start
`;
    expect(problemsOf(catalog, text)).toEqual([
      '10: lookup: public.order has no primary key, UNIQUE constraint or unique index on exactly (room_id, select), so one set of values can match several rows and salvage would have to guess; look it up by columns that are unique together (unique in public.order: id; (practitioner_id, select))',
      expect.stringMatching(/^19: lookup: public\.practitioners\.team is not unique/),
      expect.stringMatching(/^20: lookup: public\.rooms\.name is not unique/),
      '21: lookup: table public.order has no column "starts" (columns: id, practitioner_id, room_id, select, note)',
    ]);
  });
});
