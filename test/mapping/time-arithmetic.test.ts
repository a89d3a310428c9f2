import { describe, expect, it } from 'vitest';
import { parseMappings } from '../../src/mapping/load.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { failure, problems, run } from '../support/transform-chain.js';
import { parseShift } from '../../src/mapping/transforms/time-arithmetic.js';
import type { SourceRecord } from '../../src/records/envelope.js';

describe('shift', () => {
  it('reads signed durations with several groups', () => {
    expect(parseShift('-2h')).toEqual({ days: 0, seconds: -7200 });
    expect(parseShift('+1d12h')).toEqual({ days: 1, seconds: 43200 });
    expect(parseShift('1w 30s')).toEqual({ days: 7, seconds: 30 });
    expect(parseShift('2 months')).toHaveProperty('error');
    expect(parseShift('h')).toHaveProperty('error');
    expect(parseShift('-')).toHaveProperty('error');
  });

  it('refuses bad durations when the mapping is loaded, with the usage', () => {
    expect(problems({ shift: '1mo' }).join('\n')).toMatch(/unknown unit "mo".*months and years vary/);
    expect(problems({ shift: { by: '-2h', zone: 'UTC' } }).join('\n')).toMatch(/unknown option "zone"/);
    expect(problems({ shift: { by: '-2h', tz: 'Europe/Olso' } }).join('\n')).toMatch(/did you mean "Europe\/Oslo"/);
    expect(problems({ shift: 5 }).join('\n')).toMatch(/shift is written as/);
  });

  it('moves instants by exact elapsed time, also across a DST change', () => {
    expect(run('2026-07-04T09:00:00+02:00', { shift: '-2h' })).toBe('2026-07-04T05:00:00Z');
    // Oslo springs forward at 01:00Z on 2026-03-29: 01:30+01 plus two hours is 04:30+02.
    expect(run('2026-03-29T01:30:00+01:00', { shift: '+2h' })).toBe('2026-03-29T02:30:00Z');
    expect(run('2026-01-01T00:00:00.123456Z', { shift: '-1s' })).toBe('2025-12-31T23:59:59.123456Z');
  });

  it('adds calendar days on the wall clock of tz, keeping 09:00 across DST', () => {
    expect(run('2026-03-28T09:00:00+01:00', { shift: { by: '+1d', tz: 'Europe/Oslo' } })).toBe('2026-03-29T07:00:00Z');
    expect(run('2026-10-24T09:00:00+02:00', { shift: { by: '+1d', tz: 'Europe/Oslo' } })).toBe('2026-10-25T08:00:00Z');
    // An overlap takes the later reading, as PostgreSQL does; a gap is refused rather than moved.
    expect(run('2026-10-24T02:30:00+02:00', { shift: { by: '+1d', tz: 'Europe/Oslo' } })).toBe('2026-10-25T01:30:00Z');
    expect(failure('2026-03-28T02:30:00+01:00', { shift: { by: '+1d', tz: 'Europe/Oslo' } })).toMatch(/does not exist in Europe\/Oslo/);
    expect(failure('2026-03-28T09:00:00Z', { shift: '+1d' })).toMatch(/depends on the zone; name it with tz/);
  });

  it('resolves a local time in tz first; without tz it shifts the wall clock and stays local', () => {
    expect(run('2026-03-29 01:30', { shift: { by: '2h', tz: 'Europe/Oslo' } })).toBe('2026-03-29T02:30:00Z');
    expect(run('2026-03-01 23:30', { shift: '+1h' })).toBe('2026-03-02 00:30:00');
    expect(run('2026-02-28', { shift: '+1d' })).toBe('2026-03-01');
    expect(failure('2026-02-28', { shift: '+1h' })).toMatch(/only whole days/);
    expect(failure('09:30', { shift: '+1h' })).toMatch(/time of day with no date/);
  });

  it('passes null through and refuses leaving years 1-9999', () => {
    expect(run(null, { shift: '-2h' })).toBeNull();
    expect(failure('9999-12-31T23:00:00Z', { shift: '+2h' })).toMatch(/outside years 1-9999/);
  });
});

describe('truncate', () => {
  it('cuts instants to the second or minute without a zone', () => {
    expect(run('2026-07-04T07:13:45.5Z', { truncate: 'second' })).toBe('2026-07-04T07:13:45Z');
    expect(run('2026-07-04T09:13:45+02:00', { truncate: 'minute' })).toBe('2026-07-04T07:13:00Z');
    expect(run('1969-12-31T23:59:59.5Z', { truncate: 'second' })).toBe('1969-12-31T23:59:59Z');
  });

  it('needs tz for the hour or day of an instant, and uses that zone', () => {
    expect(failure('2026-07-04T07:13:45Z', { truncate: 'hour' })).toMatch(/name it with tz/);
    // Kolkata is UTC+05:30: 12:43 there truncates to 12:00, which is 06:30Z.
    expect(run('2026-07-04T07:13:45Z', { truncate: { to: 'hour', tz: 'Asia/Kolkata' } })).toBe('2026-07-04T06:30:00Z');
    expect(run('2026-07-04T07:13:45Z', { truncate: { to: 'day', tz: 'UTC' } })).toBe('2026-07-04T00:00:00Z');
    // The day of the spring change began at +01:00, not at the +02:00 of the afternoon.
    expect(run('2026-03-29T15:00:00+02:00', { truncate: { to: 'day', tz: 'Europe/Oslo' } })).toBe('2026-03-28T23:00:00Z');
    // 02:30 on the autumn night, first time round (+02:00): its hour began at 02:00+02:00, not after it.
    expect(run('2026-10-25T00:30:00Z', { truncate: { to: 'hour', tz: 'Europe/Oslo' } })).toBe('2026-10-25T00:00:00Z');
    expect(run('2026-10-25T01:30:00Z', { truncate: { to: 'hour', tz: 'Europe/Oslo' } })).toBe('2026-10-25T01:00:00Z');
    // Santiago skips midnight on 2026-09-06: the day begins when the clocks jump to 01:00.
    expect(run('2026-09-06T12:00:00-03:00', { truncate: { to: 'day', tz: 'America/Santiago' } })).toBe('2026-09-06T04:00:00Z');
  });

  it('cuts local times on the wall clock and leaves dates alone', () => {
    expect(run('2026-03-01 23:59:59.9', { truncate: 'day' })).toBe('2026-03-01 00:00:00');
    expect(run('2026-03-01T23:59:59', { truncate: 'hour' })).toBe('2026-03-01 23:00:00');
    expect(run('2026-03-01', { truncate: 'minute' })).toBe('2026-03-01');
    expect(problems({ truncate: 'week' }).join('\n')).toMatch(/second, minute, hour or day/);
  });
});

describe('shift and truncate in a mapping', () => {
  it('runs the README example: a charge time made local-minute and moved back', () => {
    const set = parseMappings([
      {
        file: 'payments.yaml',
        text: [
          'table: payments',
          'rules:',
          '  - name: charge',
          '    columns:',
          "      paid_at: { from: data.created, transform: [{ timestamp: { unix: s } }, { truncate: minute }] }",
          "      reminder_at: { from: data.created, transform: [{ timestamp: { unix: s } }, { shift: { by: '-1d', tz: Europe/Oslo } }] }",
        ].join('\n'),
      },
    ]);
    const record = { source: 'stripe', type: 'stripe.charge', id: 'ch_1', ref: 'ch_1', observedAt: '2026-07-04T00:00:00Z', data: { created: 1783149225 } } as unknown as SourceRecord;
    const [candidate] = new RuleEvaluator(set).evaluate(record).candidates;
    expect(candidate?.values).toEqual({ paid_at: '2026-07-04T07:13:00Z', reminder_at: '2026-07-03T07:13:45Z' });
  });
});
