import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/records/envelope.js';
import { recordGist } from '../../src/reconcile/record-gist.js';

const record = (type: string, data: Record<string, unknown>, extra: Partial<SourceRecord> = {}): SourceRecord => ({
  source: 's',
  type,
  id: '1',
  ref: 'x:1',
  observedAt: '2026-05-01T00:00:00Z',
  data,
  ...extra,
});

describe('the gist of a record no rule used', () => {
  it('says what an email, an event, a charge and a CSV row are about', () => {
    expect(recordGist(record('email.message', { from: { address: 'a@b' }, subject: 'Booking confirmed – QX7P2M', date: '2026-03-02T14:02:00Z', text: 'long body' }))).toBe(
      'subject: Booking confirmed – QX7P2M · date: 2026-03-02T14:02:00Z',
    );
    expect(recordGist(record('calendar.event', { uid: 'u1', summary: 'Staff meeting', status: 'CONFIRMED', start: '2026-02-01T09:00:00+01:00' }))).toBe(
      'summary: Staff meeting · status: CONFIRMED · start: 2026-02-01T09:00:00+01:00',
    );
    expect(recordGist(record('stripe.charge', { id: 'ch_1', description: 'Gift card', status: 'succeeded', amount: 4500, currency: 'eur' }))).toBe(
      'description: Gift card · status: succeeded · amount: 4500',
    );
    expect(recordGist(record('csv.row', { 'Charge ID': 'ch_2', Description: 'Booking  QX7P2M\n(card)', Status: 'Paid' }))).toBe(
      'Description: Booking QX7P2M (card) · Status: Paid',
    );
  });

  it('falls back to the first plain fields, says when the record is a deletion, and stays one short line', () => {
    expect(recordGist(record('csv.row', { ref: 'R-1', note: '', nested: { a: 1 }, qty: 2, ok: true, more: 'x' }))).toBe('ref: R-1 · qty: 2 · ok: true');
    expect(recordGist(record('calendar.event', { summary: 'Kayak tour' }, { deleted: true }))).toBe('deleted · summary: Kayak tour');
    const long = recordGist(record('email.message', { subject: '✉'.repeat(500) }));
    expect([...long]).toHaveLength(120);
    expect(long.endsWith('…')).toBe(true);
    expect(recordGist(record('x', {}))).toBe('');
  });
});
