import { describe, expect, it } from 'vitest';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';
import { run } from '../support/transform-chain.js';

const pgUp = await postgresAvailable();

/**
 * shift and truncate agree with PostgreSQL's own arithmetic (`timestamptz + interval` under
 * a session TimeZone, `date_trunc(unit, timestamptz, zone)`), and what they and url_part
 * produce is stored as written in real columns.
 */
describe.runIf(pgUp)('shift, truncate and url_part against PostgreSQL', () => {
  const database = connectedDatabase('time_url', {
    setup: (client) => database.client.query('CREATE TABLE "select" ("at time" timestamptz, "local" timestamp, "day" date, "part" text)'),
  });

  async function epoch(sql: string, params: unknown[], zone: string): Promise<number> {
    await database.client.query(`SET TimeZone = '${zone}'`);
    const { rows } = await database.client.query<{ e: string }>(`SELECT extract(epoch FROM ${sql})::text AS e`, params);
    return Number(rows[0]?.e);
  }

  const SHIFTS: Array<[string, string, string]> = [
    ['2026-03-28T09:00:00+01:00', '+1d', 'Europe/Oslo'],
    ['2026-10-24T09:00:00+02:00', '+1d', 'Europe/Oslo'],
    ['2026-10-24T02:30:00+02:00', '+1d', 'Europe/Oslo'],
    ['2026-03-29T01:30:00+01:00', '+2h', 'Europe/Oslo'],
    ['2026-11-01T00:30:00-04:00', '+1w', 'America/New_York'],
    ['2026-03-08T12:00:00-04:00', '-1d12h', 'America/New_York'],
  ];

  it('shift equals timestamptz + interval in the same zone', async () => {
    for (const [value, by, tz] of SHIFTS) {
      const ours = run(value, { shift: { by, tz } });
      // salvage's sign covers every group ('-1d12h' is minus a day and a half); PostgreSQL's covers one.
      const sign = by.startsWith('-') ? '-' : '';
      const interval = by.replace(/(\d+)([dwhms])/g, (_m, n: string, u: string) => `${sign}${n} ${{ d: 'days', w: 'weeks', h: 'hours', m: 'minutes', s: 'seconds' }[u]} `).replace(/^[+-]/, '');
      const theirs = await epoch('($1::timestamptz + $2::interval)', [value, interval.trim()], tz);
      expect([value, by, Date.parse(String(ours)) / 1000]).toEqual([value, by, theirs]);
    }
  });

  it('truncate equals date_trunc(unit, timestamptz, zone), also on DST days and a skipped midnight', async () => {
    const cases: Array<[string, string, string]> = [
      ['2026-03-29T15:00:00+02:00', 'day', 'Europe/Oslo'],
      ['2026-10-25T23:59:59+01:00', 'day', 'Europe/Oslo'],
      ['2026-07-04T07:13:45Z', 'hour', 'Asia/Kolkata'],
      ['2026-09-06T12:00:00-03:00', 'day', 'America/Santiago'],
      ['2026-07-04T07:13:45.987Z', 'second', 'UTC'],
      ['2026-07-04T07:13:45Z', 'minute', 'Asia/Kathmandu'],
    ];
    for (const [value, to, tz] of cases) {
      const ours = run(value, { truncate: { to, tz } });
      const theirs = await epoch('date_trunc($1, $2::timestamptz, $3)', [to, value, tz], 'UTC');
      expect([value, to, Date.parse(String(ours)) / 1000]).toEqual([value, to, theirs]);
    }
  });

  it('stores the results as written, with hostile text from url_part', async () => {
    const at = run('2026-01-01T00:00:00.123456Z', { shift: '-1s' });
    const local = run('2026-03-01 23:30', { shift: '+1h' });
    const day = run('2026-02-28', { shift: '+1d' });
    const part = run("https://x.example/c/O'Brien%20%5C%22q%22%20%F0%9F%98%80", { url_part: { segment: -1 } });
    expect(part).toBe('O\'Brien \\"q" 😀');
    await database.client.query('SET TimeZone = \'UTC\'');
    await database.client.query('INSERT INTO "select" VALUES ($1, $2, $3, $4)', [at, local, day, part]);
    const { rows } = await database.client.query('SELECT to_char("at time", \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\') AS a, "local"::text AS l, "day"::text AS d, "part" AS p FROM "select"');
    expect(rows).toEqual([{ a: '2025-12-31T23:59:59.123456Z', l: '2026-03-02 00:30:00', d: '2026-03-01', p: 'O\'Brien \\"q" 😀' }]);
  });
});
