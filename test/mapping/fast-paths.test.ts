/**
 * The mapping fast paths (whole unix times, safe-integer amounts, timestamps
 * formatted without a Date, UTC texts rewritten from their digits) must say exactly what
 * the general code says. Each is checked against an independent reference over seeded
 * random inputs and the edges.
 */
import { describe, expect, it } from 'vitest';
import type { CatalogColumn } from '../../src/db/catalog-types.js';
import type { Value } from '../../src/mapping/transforms/index.js';
import { numberToDecimal } from '../../src/mapping/transforms/decimal.js';
import { FIRST_SECOND, LAST_SECOND, utcDateTime } from '../../src/time/utc-clock.js';
import { formatUtc, parseAnyForm, parseUtcForm, toColumnText } from '../../src/values/normalize.js';
import { seededRandom as seeded } from '../fakes/stripe/random.js';
import { run as transform } from '../support/transform-chain.js';

const timestamptz: CatalogColumn = { name: 'c', type: 'timestamp with time zone', typeName: 'timestamptz', notNull: false, default: null, identity: null, generated: false, position: 0 };

/** PostgreSQL's UTC text of an instant, through BigInt and Date: the reference the fast paths must match. */
function referenceUtc(epochMicros: number | bigint): string {
  const exact = BigInt(epochMicros);
  const micros = ((exact % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const iso = new Date(Number((exact - micros) / 1000n)).toISOString();
  const fraction = micros ? `.${String(micros).padStart(6, '0').replace(/0+$/, '')}` : '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction}+00`;
}

describe('mapping fast paths', () => {
  it('format whole seconds as Date does, over years 1-9999', () => {
    const random = seeded(7);
    const seconds = [FIRST_SECOND, LAST_SECOND, 0, -1, 86_399, 86_400, -86_401, 951_782_400 /* 2000-02-29 */, 4_107_456_000 /* 2100-02-28 */];
    for (let i = 0; i < 50_000; i++) seconds.push(Math.floor(FIRST_SECOND + random() * (LAST_SECOND - FIRST_SECOND)));
    for (const s of seconds) expect(utcDateTime(s), String(s)).toBe(new Date(s * 1000).toISOString().slice(0, 19));
  });

  it('read a whole unix time as the exact decimal reader does, in seconds and milliseconds', () => {
    const random = seeded(11);
    const values = [0, -0, -1, 1, -1500, 999, -999, 1000, -1000, 1_700_000_000_123, LAST_SECOND, FIRST_SECOND, LAST_SECOND * 1000 + 999, FIRST_SECOND * 1000];
    for (let i = 0; i < 5_000; i++) values.push(Math.round((random() * 2 - 1) * 2 ** 53) % 1e15);
    for (const value of values) {
      for (const unix of ['s', 'ms']) {
        const step = { timestamp: { unix } };
        // A string takes the decimal reader (BigInt); a number takes the fast path.
        let expected: Value | Error;
        try {
          expected = transform(String(Object.is(value, -0) ? 0 : value), step);
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) expect(() => transform(value, step), `${value} ${unix}`).toThrow(expected.message.replace(/^timestamp: "?-?\d+"? /, ''));
        else expect(transform(value, step), `${value} ${unix}`).toBe(expected);
      }
    }
  });

  it('turn safe integers into the decimals their text says', () => {
    for (const n of [0, -0, 7, -7, 5229, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      expect(numberToDecimal(n), String(n)).toEqual({ unscaled: BigInt(Object.is(n, -0) ? 0 : n), scale: 0 });
    }
    expect(numberToDecimal(2 ** 53)).toEqual({ unscaled: 2n ** 53n, scale: 0 });
    expect(numberToDecimal(52.29)).toEqual({ unscaled: 5229n, scale: 2 });
    expect(transform(5229, 'cents_to_amount')).toBe('52.29');
    expect(transform(-5, 'cents_to_amount')).toBe('-0.05');
  });

  it('rewrite UTC texts from their digits exactly as their instant would be written', () => {
    const random = seeded(13);
    const pad = (v: number, w: number) => String(v).padStart(w, '0');
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      const r = (k: number) => Math.floor(random() * k);
      const fraction = ['', `.${r(10)}`, `.${pad(r(1_000_000), 6)}`, `.${pad(r(1000), 3)}`, '.000', '.500000', '.'][r(7)];
      const year = [100, 999, 1969, 1970, 2000, 2024, 2255, 2300, 9999][r(9)] as number;
      const text = `${pad(year, 4)}-${pad(1 + r(12), 2)}-${pad(1 + r(31), 2)}${[' ', 'T'][r(2)]}${pad(r(24), 2)}:${pad(r(60), 2)}:${pad(r(60), 2)}${fraction}${['+00', 'Z'][r(2)]}`;
      if (!parseUtcForm(text)) continue;
      checked++;
      const micros = parseAnyForm(text)?.epochMicros ?? NaN;
      expect(toColumnText(timestamptz, text), text).toEqual({ ok: true, text: referenceUtc(micros) });
      expect(formatUtc(micros), text).toBe(referenceUtc(micros));
    }
    expect(checked).toBeGreaterThan(12_000);
  });
});
