import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/records/envelope.js';
import { csvFields } from '../../src/init/csv-fields.js';
import { echoedFields } from '../../src/init/echoed-fields.js';

const rows = (data: Array<Record<string, string>>): SourceRecord[] =>
  data.map((d, i) => ({ source: 'payments', type: 'csv.row', id: `p.csv#L${i + 2}`, ref: `file://p.csv#L${i + 2}`, observedAt: '2026-04-25T10:00:00Z', data: d }));

describe('init: a field repeated inside another field', () => {
  it('offers the text as the fallback of a code field, read after the words every sample shares', () => {
    const records = rows([
      { id: 'ch_1', ref: 'K7QX2P', Description: 'Booking K7QX2P – Double kayak' },
      { id: 'ch_2', ref: 'AB12CD', Description: 'Paid online: Booking AB12CD – Canoe' },
      { id: 'ch_3', ref: '', Description: 'Booking ZZ99ZZ – Canoe' },
      { id: 'ch_4', ref: 'QQ11QQ', Description: 'Booking QQ11QQ – SUP' },
    ]);
    const fields = csvFields(records);
    const fallback = echoedFields(records, fields).get(fields.find((f) => f.label === 'ref')?.path ?? '');
    expect(fallback).toMatchObject({
      path: 'data.Description',
      label: 'ref inside Description',
      extract: { from: 'data.Description', before: 'Booking ', value: '[A-Z0-9]{6}', after: '', fromText: true, seen: 3, of: 3 },
    });
    // The pattern finds the reference the field itself lacks.
    const pattern = new RegExp(`${fallback?.extract?.before}(${fallback?.extract?.value})`);
    expect(pattern.exec('Booking ZZ99ZZ – Canoe')?.[1]).toBe('ZZ99ZZ');
  });

  it('offers nothing for chance repeats, numbers, or words that differ in the sample', () => {
    const chance = rows([
      { ref: 'K7QX2P', note: 'Booking K7QX2P' },
      { ref: 'AB12CD', note: 'no reference here' },
      { ref: 'QQ11QQ', note: 'nor here' },
    ]);
    expect(echoedFields(chance, csvFields(chance)).size).toBe(0);
    const numbers = rows([
      { order: '1234', note: 'Order 1234' },
      { order: '5678', note: 'Order 5678' },
    ]);
    expect(echoedFields(numbers, csvFields(numbers)).size).toBe(0);
    const cased = rows([
      { ref: 'K7QX2P', note: 'Booking K7QX2P' },
      { ref: 'AB12CD', note: 'booking AB12CD' },
    ]);
    expect(echoedFields(cased, csvFields(cased)).size).toBe(0);
  });
});
