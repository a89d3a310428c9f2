import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { CatalogColumn, CatalogTable } from '../../src/db/catalog-types.js';
import { UsageError } from '../../src/errors.js';
import { lossVerdict, parsePgInstant } from '../../src/init/backup-end.js';
import { classifyColumn } from '../../src/init/concepts.js';
import { init, parseSourceArgument } from '../../src/init/index.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';
import { csvFields } from '../../src/init/csv-fields.js';
import { textLabelFields, uidRowIdFields } from '../../src/init/embedded-fields.js';
import { nameSources } from '../../src/init/source-specs.js';
import { mapStatusValues } from '../../src/init/status-map.js';
import { allowedValuesOfCheck } from '../../src/db/value-domains.js';
import { fieldPath, flow, scalar } from '../../src/init/yaml-text.js';
import { parsePath, readPath } from '../../src/mapping/path.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { tempJobDir } from '../support/flow.js';

const row = (data: Record<string, unknown>, type = 'csv.row'): SourceRecord => ({ source: 's', type, id: 'x', ref: 'file://x', observedAt: '2026-01-01T00:00:00Z', data });

describe('--source arguments', () => {
  it('reads KIND, NAME=KIND and NAME=KIND:FILES, and names the rest by kind', () => {
    expect(parseSourceArgument('stripe', SOURCE_KINDS)).toEqual({ kind: 'stripe' });
    expect(parseSourceArgument('inbox=imap', SOURCE_KINDS)).toEqual({ name: 'inbox', kind: 'imap' });
    expect(parseSourceArgument('payments=csv:exports/a.csv,exports/b.csv', SOURCE_KINDS)).toEqual({ name: 'payments', kind: 'csv', files: ['exports/a.csv', 'exports/b.csv'] });
    expect(nameSources(['csv', 'csv', 'google-calendar', 'ledger=eml'], SOURCE_KINDS).map((s) => s.name)).toEqual(['ledger-2', 'ledger-3', 'calendar', 'ledger']);
  });

  it('refuses what it cannot read, saying the forms (exit 2)', () => {
    expect(() => parseSourceArgument('paypal', SOURCE_KINDS)).toThrow(UsageError);
    expect(() => parseSourceArgument('paypal', SOURCE_KINDS)).toThrow(/expected KIND, NAME=KIND or NAME=KIND:FILES, where KIND is one of stripe, imap/);
    expect(() => parseSourceArgument('stripe:exports/x.csv', SOURCE_KINDS)).toThrow(/only ics, csv, eml and jsonl sources read files/);
  });
});

describe('init refuses before touching anything', () => {
  it('without a source, or without a backup to read (exit 2)', async () => {
    const dir = await tempJobDir('init-refuse');
    await expect(init({ kinds: SOURCE_KINDS, dir, sources: [] })).rejects.toThrow(/name at least one source/);
    await expect(init({ kinds: SOURCE_KINDS, dir, sources: ['stripe'] })).rejects.toThrow(/init needs the backup: give its URL/);
    // An embedded directory that holds no database: PGlite would make an empty one and init would find nothing.
    const missing = path.join(dir, 'recovery', 'embedded', 'backup');
    const refusal = await init({ kinds: SOURCE_KINDS, dir, sources: ['stripe'], embeddedDir: missing }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as UsageError).message).toBe(`no embedded backup in ${missing}: restore the backup there first, or give its URL`);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('the YAML init writes', () => {
  it('quotes every scalar YAML would read as something else, so it loads back as written', () => {
    const values = ['plain', 'Europe/Oslo', 'true', 'no', 'null', '1', '2026-01-20', '', "it's", 'a: b', '#x', '[x]', 'data["Customer Email"]', 'Booking ', '-x'];
    for (const value of values) expect(parse(`k: ${scalar(value)}`)).toEqual({ k: value });
    const nested = { map: { values: { Paid: 'succeeded', 'Partially Refunded': 'partially_refunded', true: 'yes' } } };
    expect(parse(`k: ${flow([nested, 'email'])}`)).toEqual({ k: [nested, 'email'] });
  });

  it('writes record paths the mapping language reads back to the same field', () => {
    const data = { 'Customer Email': 'a', 'booking_ref (metadata)': 'b', 'say "hi"\\': 'c', plain: 'd' };
    for (const key of Object.keys(data)) {
      const p = parsePath(fieldPath(['data', key]));
      if ('error' in p) throw new Error(p.error);
      expect(readPath({ data }, p)).toBe(data[key as keyof typeof data]);
    }
  });
});

describe('value maps and CHECK lists', () => {
  it('pairs the same word or a known synonym, and leaves the rest unmapped', () => {
    expect(mapStatusValues(['Paid', 'Refunded', 'Partially Refunded', 'Failed'], ['succeeded', 'refunded', 'partially_refunded'])).toEqual({
      values: { Paid: 'succeeded', Refunded: 'refunded', 'Partially Refunded': 'partially_refunded' },
      unmapped: ['Failed'],
    });
    expect(mapStatusValues(['CONFIRMED', 'TENTATIVE', 'CANCELLED'], ['booked', 'canceled'])).toEqual({ values: { CONFIRMED: 'booked', CANCELLED: 'canceled' }, unmapped: ['TENTATIVE'] });
  });

  it('reads the value list of a CHECK as PostgreSQL prints it, and nothing else', () => {
    expect(allowedValuesOfCheck("CHECK ((status = ANY (ARRAY['confirmed'::text, 'cancelled'::text])))", 'status')).toEqual(['confirmed', 'cancelled']);
    expect(allowedValuesOfCheck("CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, 'o''b'::character varying])::text[])))", 'kind')).toEqual(['a', "o'b"]);
    expect(allowedValuesOfCheck("CHECK (((state = 'open'::text) OR (state = 'closed'::text)))", 'state')).toEqual(['open', 'closed']);
    expect(allowedValuesOfCheck('CHECK ((amount > (0)::numeric))', 'amount')).toBeUndefined();
    expect(allowedValuesOfCheck("CHECK (((state = 'open'::text) OR (length(state) > 3)))", 'state')).toBeUndefined();
  });
});

describe('where the backup ends', () => {
  it('reads timestamps as PostgreSQL prints them in salvage sessions', () => {
    expect(parsePgInstant('2026-01-19 23:52:10.123456+00')?.toISOString()).toBe('2026-01-19T23:52:10.123Z');
    expect(parsePgInstant('2026-01-19 23:52:10+05:30')?.toISOString()).toBe('2026-01-19T18:22:10.000Z');
    expect(parsePgInstant('2026-01-19')?.toISOString()).toBe('2026-01-19T00:00:00.000Z');
    expect(parsePgInstant('infinity')).toBeUndefined();
  });

  it('calls a table busy when written close to the end, for its own pace', () => {
    const end = new Date('2026-01-20T00:00:00Z');
    const at = (iso: string) => new Date(iso);
    expect(lossVerdict(500, { column: 'created_at', at: at('2026-01-19T20:00:00Z') }, end).verdict).toBe('likely');
    // Written every ~18 days, last 10 days ago: still busy.
    expect(lossVerdict(20, { column: 'paid_at', at: at('2026-01-10T00:00:00Z'), oldest: at('2025-01-20T00:00:00Z') }, end).verdict).toBe('likely');
    // Written daily, silent for a month: quiet.
    expect(lossVerdict(365, { column: 'created_at', at: at('2025-12-20T00:00:00Z'), oldest: at('2024-12-20T00:00:00Z') }, end).verdict).toBe('unlikely');
    expect(lossVerdict(0, undefined, end).verdict).toBe('empty');
    expect(lossVerdict(5, undefined, end).verdict).toBe('unknown');
  });
});

describe('fields read off sampled records', () => {
  it("tells a CSV column's meaning by its values, not its header alone", () => {
    const rows = [
      row({ id: 'ch_3AbcDEF12', 'Created (UTC)': '2026-03-01 10:00:00', Amount: '45,00', Currency: 'eur', Status: 'Paid', Email: 'a@b.no', 'Card Name': 'Kari Nordmann', Misc: 'x' }),
      row({ id: 'ch_3AbcDEF13', 'Created (UTC)': '2026-03-02 11:00:00', Amount: '12,50', Currency: 'eur', Status: 'Failed', Email: 'c@d.no', 'Card Name': 'Ola Nordmann', Misc: '' }),
    ];
    const byLabel = Object.fromEntries(csvFields(rows).map((f) => [f.label, f]));
    expect(byLabel['id']).toMatchObject({ concept: 'stripeId', stripeObject: 'charge', ownId: true, kind: 'stripeId' });
    expect(byLabel['Created (UTC)']).toMatchObject({ concept: 'created', kind: 'wallTime', zone: 'UTC' });
    expect(byLabel['Amount']).toMatchObject({ concept: 'amount', kind: 'decimal', comma: true });
    expect(byLabel['Currency']).toMatchObject({ concept: 'currency', kind: 'currency' });
    expect(byLabel['Status']).toMatchObject({ concept: 'status', values: ['Failed', 'Paid'] });
    expect(byLabel['Email']).toMatchObject({ concept: 'email', kind: 'email' });
    expect(byLabel['Card Name']).toMatchObject({ concept: 'fullName', kind: 'personName' });
    expect(byLabel['Misc']?.concept).toBeUndefined();
  });

  it('finds the template lines of descriptions and the row ids inside UIDs', () => {
    const events = ['643', '644', '645'].map((id, i) =>
      row({ uid: `booking-${id}@shop.example`, description: `Booking X\nItem: Kayak ${i}\nTotal: 3${i}.00 EUR (cash)\nOnce: only here` }, 'calendar.event'),
    );
    events.push(row({ uid: 'weekly@google.com', description: 'Coffee: whoever' }, 'calendar.event'));
    const labels = textLabelFields(events, 'data.description', (r) => r.data['description']).map((f) => [f.label, f.kind, f.extract?.value]);
    expect(labels).toEqual([
      ['Item', 'text', '.+?'],
      ['Total', 'decimal', '-?[0-9]+(?:[.,][0-9]+)?'],
      ['Once', 'text', '.+?'],
    ]);
    expect(uidRowIdFields(events)).toMatchObject([{ concept: 'rowId', rowOf: 'booking', extract: { before: '^booking-', value: '[0-9]+', after: '@' } }]);
  });
});

describe('what a column is about', () => {
  const column = (name: string, typeName: string, extra: Partial<CatalogColumn> = {}): CatalogColumn => ({
    name, type: typeName, typeName, notNull: false, default: null, identity: null, generated: false, position: 1, ...extra,
  });
  const table = (columns: CatalogColumn[]): CatalogTable => ({ schema: 'public', name: 'patients', columns, primaryKey: ['id'], uniqueKeys: [], foreignKeys: [], sequences: {} });
  const people = table([column('id', 'int8'), column('email', 'text'), column('name', 'text')]);
  const things = table([column('id', 'int8'), column('name', 'text')]);

  it('reads names and types together', () => {
    const concept = (c: CatalogColumn, t = people) => classifyColumn(c, t);
    expect(concept(column('stripe_charge_id', 'text'))).toEqual({ concept: 'stripeId', stripeObject: 'charge' });
    expect(concept(column('amount_cents', 'int4'))).toEqual({ concept: 'amount', cents: true });
    expect(concept(column('total', 'numeric'))).toEqual({ concept: 'amount', cents: false });
    expect(concept(column('starts_at', 'timestamptz'))).toEqual({ concept: 'start' });
    expect(concept(column('paid_at', 'timestamptz', { notNull: true }))).toEqual({ concept: 'happened' });
    expect(concept(column('name', 'text'))).toEqual({ concept: 'fullName' });
    expect(concept(column('name', 'text'), things)).toEqual({ concept: 'title' });
    expect(concept(column('id', 'int8'))).toEqual({ concept: 'rowId', rowOf: 'patient' });
    expect(concept(column('date_of_birth', 'date'))).toBeUndefined();
  });
});
