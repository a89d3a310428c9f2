import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { CatalogColumn } from '../../src/db/catalog-types.js';
import { canonicalDecimal, comparisonKey, parseAnyForm, parseUtcForm, toColumnText } from '../../src/values/normalize.js';
import { ADMIN_URL, postgresAvailable } from '../support/postgres.js';

const column = (type: string, typeName: string): CatalogColumn => ({ name: 'c', type, typeName, notNull: false, default: null, identity: null, generated: false, position: 0 });
const timestamptz = column('timestamp with time zone', 'timestamptz');
const numeric = column('numeric(12,2)', 'numeric');

const pgUp = await postgresAvailable();

/** Inputs PostgreSQL reads differently from a naive Date.UTC: each one found a bug or guards a fast path. */
const TIMESTAMPS = [
  '2026-03-02T14:02:00Z',
  '2026-03-02 15:02:00+01',
  '1969-12-31 23:59:59.5Z', // before 1970 with a fraction: was written a second late
  '1969-12-31T23:59:59.999999-05:30',
  '0001-06-03 12:00:00Z', // years below 100: Date.UTC reads them as 19xx
  '0099-12-31 23:59:59.25+00',
  '2026-03-02T24:00:00Z', // PostgreSQL's own midnight of the next day
  '2255-06-01 00:00:00.000001Z', // about where doubles stop being exact in microseconds
  '9999-12-31 23:59:59.999999Z',
];
const NOT_TIMESTAMPS = ['2026-02-31T10:00:00Z', '2026-03-02T10:75:00Z', '2026-13-01 00:00:00Z', '2026-03-02T24:00:01Z', '0000-01-01 00:00:00Z'];

describe('column texts and comparison keys', () => {
  it('keep canonical decimals as they are and canonicalise the rest', () => {
    expect(canonicalDecimal('52.29')).toBe('52.29');
    expect(canonicalDecimal('-0')).toBe('0');
    expect(canonicalDecimal('-0.0')).toBe('0');
    expect(canonicalDecimal('090.50')).toBe('90.5');
    expect(canonicalDecimal('+1e3')).toBe('1000');
    expect(comparisonKey(numeric, '90')).toBe(comparisonKey(numeric, '90.00'));
  });

  it('compare integers as values, whatever their spelling', () => {
    const int8 = column('bigint', 'int8');
    for (const [a, b] of [['7', '007'], ['0', '-0'], ['-12', '-0012'], ['3', '+3'], ['4', ' 4 ']]) expect(comparisonKey(int8, b as string), b).toBe(comparisonKey(int8, a as string));
    expect(comparisonKey(int8, '9223372036854775807')).toBe('9223372036854775807');
  });

  it('read the UTC forms (PostgreSQL\'s and ISO\'s) on the fast path exactly as the general reader does, and leave it everything odd', () => {
    const pad = (v: number, w: number) => String(v).padStart(w, '0');
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const r = (k: number) => Math.floor(Math.random() * k);
      const fraction = ['', `.${r(10)}`, `.${pad(r(1_000_000), 6)}`, `.${pad(r(1000), 3)}`, '.', `.${pad(r(10_000_000), 7)}`][r(6)];
      const text = `${pad([1, 99, 100, 1969, 1970, 2000, 2024, 2100, 2255, 2300, 9999][r(11)] as number, 4)}-${pad(r(14), 2)}-${pad(r(33), 2)}${[' ', 'T'][r(2)]}${pad(r(26), 2)}:${pad(r(61), 2)}:${pad(r(62), 2)}${fraction}${['+00', '+00', '+01', 'Z', 'Z', 'z', '+0000'][r(7)]}`;
      const quick = parseUtcForm(text);
      if (quick) fast++;
      // Whatever the fast path reads, the general reader reads the same; what it leaves, the general reader decides.
      if (quick) expect(String(quick.epochMicros), text).toBe(String(parseAnyForm(text)?.epochMicros));
      expect(String(comparisonKey(timestamptz, text)), text).toBe(String(parseAnyForm(text)?.epochMicros ?? text));
    }
    expect(fast).toBeGreaterThan(1000);
  });

  it.runIf(pgUp)('write every numeric(12,2) value PostgreSQL stores exactly, and refuse what it refuses or would round', async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      let seed = 5;
      const r = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % k);
      const texts = ['0', '-0', '0.00', '-0.00', '5.00', '5.0', '5.', '.5', '+5.5', '0005.50', '52.295', '52.2949', '-52.295', '9999999999.99', '9999999999.995', '99999999999', '1e3', '1.5E-2'];
      for (let i = 0; i < 3000; i++) {
        const whole = [String(r(10)), String(r(100000)), String(r(10_000_000_000)), `0${r(100)}`][r(4)];
        const fraction = ['', `.${r(10)}`, `.${String(r(100)).padStart(2, '0')}`, `.${String(r(1000)).padStart(3, '0')}`, '.000', '.10'][r(6)];
        texts.push(`${['', '', '-', '+'][r(4)]}${whole}${fraction}`);
      }
      // What PostgreSQL stores for each text, or null where it refuses it (PostgreSQL 15 has no pg_input_is_valid).
      await client.query(`CREATE FUNCTION pg_temp.stored(t text) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN RETURN t::numeric(12,2)::text; EXCEPTION WHEN others THEN RETURN NULL; END $$`);
      const { rows } = await client.query<{ t: string; stored: string | null; exact: boolean | null }>(
        'SELECT t, pg_temp.stored(t) AS stored, pg_temp.stored(t)::numeric = t::numeric AS exact FROM unnest($1::text[]) AS t',
        [texts],
      );
      let rounded = 0;
      for (const { t, stored, exact } of rows) {
        const ours = toColumnText(numeric, t);
        if (stored === null) expect(ours, t).toMatchObject({ ok: false });
        else if (!exact) {
          // PostgreSQL would round it (52.295 to 52.30): a loss no one asked for.
          rounded++;
          expect(ours, t).toMatchObject({ ok: false, error: expect.stringMatching(/decimal place\(s\), numeric\(12,2\) keeps 2: PostgreSQL would store it rounded/) });
        } else {
          expect(ours.ok, t).toBe(true);
          if (ours.ok) expect(comparisonKey(numeric, ours.text), t).toBe(comparisonKey(numeric, stored));
        }
      }
      expect(rounded).toBeGreaterThanOrEqual(4); // 52.295, 52.2949, -52.295, 1.5E-2 at least
    } finally {
      await client.end();
    }
  });

  it.runIf(pgUp)('refuse fractional seconds a timestamp column would round away; keep those it stores exactly', async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query("SET TimeZone = 'UTC'");
      const cases: Array<[string, string, string]> = [
        ['timestamp(0) with time zone', '2026-03-02T14:02:00.5Z', 'refused'],
        ['timestamp(0) with time zone', '2026-03-02T14:02:00.000Z', 'kept'],
        ['timestamp(3) with time zone', '2026-03-02T14:02:00.123Z', 'kept'],
        ['timestamp(3) with time zone', '2026-03-02T14:02:00.1235Z', 'refused'],
        ['timestamp with time zone', '2026-03-02T14:02:00.1234567Z', 'refused'],
        ['timestamp with time zone', '2026-03-02T14:02:00.123456Z', 'kept'],
        ['timestamp(2) without time zone', '2026-03-02 14:02:00.129', 'refused'],
      ];
      for (const [type, text, expected] of cases) {
        const meta = column(type, type.includes('with time zone') ? 'timestamptz' : 'timestamp');
        const ours = toColumnText(meta, text);
        const stored = (await client.query<{ t: string; exact: boolean }>(`SELECT $1::${type}::text AS t, $1::${type} = $1::${type.replace(/\(\d\)/, '(6)')} AS exact`, [text])).rows[0];
        if (expected === 'kept') {
          expect(stored?.exact, text).toBe(true);
          expect(ours, `${type} ${text}`).toEqual({ ok: true, text: stored?.t });
        } else {
          expect(ours, `${type} ${text}`).toMatchObject({ ok: false, error: expect.stringContaining('PostgreSQL would store it rounded') });
        }
      }
    } finally {
      await client.end();
    }
  });

  it('refuse dates PostgreSQL refuses, instead of rolling them over', () => {
    for (const text of NOT_TIMESTAMPS) expect(toColumnText(timestamptz, text), text).toMatchObject({ ok: false });
  });

  it.runIf(pgUp)('write every timestamp exactly as PostgreSQL reads it, and refuse what it refuses', async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query("SET TimeZone = 'UTC'");
      for (const text of TIMESTAMPS) {
        const ours = toColumnText(timestamptz, text);
        const theirs = (await client.query<{ t: string }>('SELECT $1::timestamptz::text AS t', [text])).rows[0]?.t;
        expect(ours, text).toEqual({ ok: true, text: theirs });
        // The comparison key of our text and of PostgreSQL's output agree.
        expect(comparisonKey(timestamptz, text)).toBe(comparisonKey(timestamptz, theirs as string));
      }
      for (const text of NOT_TIMESTAMPS) {
        await expect(client.query('SELECT $1::timestamptz', [text]), text).rejects.toThrow(/out of range|invalid input/);
      }
    } finally {
      await client.end();
    }
  });
});
