import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { TRANSFORMS, TransformError, parseTransformStep, runTransforms, type Value } from '../../src/mapping/transforms/index.js';
import { failure, problems, run } from '../support/transform-chain.js';

type Ok = [input: Value, step: unknown, output: Value];
type Bad = [input: Value, step: unknown, message: string];

function table(name: string, ok: Ok[], bad: Bad[]): void {
  describe(name, () => {
    it.each(ok)('%j with %j → %j', (input, step, output) => {
      expect(run(input, step)).toStrictEqual(output);
    });
    it.each(bad)('%j with %j fails', (input, step, message) => {
      expect(failure(input, step)).toBe(message);
    });
  });
}

table(
  'text',
  [
    ['  a b  ', 'trim', 'a b'],
    ['', 'trim', ''],
    ['ÆRØ Kari', 'lower', 'ærø kari'],
    ['nok', 'upper', 'NOK'],
    ['  a \n\t b  c ', 'collapse_whitespace', 'a b c'],
    ['', 'nullif_empty', null],
    [' ', 'nullif_empty', ' '],
    [0, 'nullif_empty', 0],
    ['N/A', { nullif: ['N/A', '-'] }, null],
    ['-', { nullif: ['N/A', '-'] }, null],
    ['n/a', { nullif: 'N/A' }, 'n/a'],
    [12.5, 'string', '12.5'],
    [1e21, 'string', '1000000000000000000000'],
    [true, 'string', 'true'],
    ['x', 'string', 'x'],
    ['a  b\t c', { replace: { pattern: '\\s+', with: ' ' } }, 'a b c'],
    ['Acme LTD.', { replace: { pattern: 'ltd\\.?$', with: 'Ltd', flags: 'i' } }, 'Acme Ltd'],
    ['order-42', { replace: { pattern: '^order-(\\d+)$', with: '$1' } }, '42'],
    ['bob@x.io', { replace: { pattern: '^(?<user>[^@]+)@(?<host>.+)$', with: '$<host>/$<user> ($&, $$1)' } }, 'x.io/bob (bob@x.io, $1)'],
    ['Åsa ÅSA', { replace: { pattern: 'åsa', with: 'x', flags: 'i' } }, 'x x'],
    ['a-b-c', { replace: { pattern: '-', with: null } }, 'abc'],
    ['cus_123', { strip_prefix: 'cus_' }, '123'],
    ['123', { strip_prefix: 'cus_' }, '123'],
    ['report (copy)', { strip_suffix: ' (copy)' }, 'report'],
    ['123', { add_prefix: 'cus_' }, 'cus_123'],
    ['kari', { add_suffix: '@example.no' }, 'kari@example.no'],
    ['Kari Nordmann', { split: { by: ' ', index: 0 } }, 'Kari'],
    ['Kari Anne Nordmann', { split: { by: ' ', index: -1 } }, 'Nordmann'],
    ['', { split: { by: ',', index: 0 } }, ''],
    ['Kari', { split: { by: ' ', index: 1, otherwise: null } }, null],
    ['Kari', { split: { by: ' ', index: 1, otherwise: 'null' } }, null],
    ['Kari', { split: { by: ' ', index: 1, otherwise: 'keep' } }, 'Kari'],
  ],
  [
    [42, 'trim', 'trim: expected text, got number 42 (add `string` before this step to convert it)'],
    [true, 'lower', 'lower: expected text, got boolean true (add `string` before this step to convert it)'],
    [1, 'upper', 'upper: expected text, got number 1 (add `string` before this step to convert it)'],
    [1, 'collapse_whitespace', 'collapse_whitespace: expected text, got number 1 (add `string` before this step to convert it)'],
    [Number.NaN, 'string', 'string: NaN is not a finite number'],
    [5, { replace: { pattern: 'x' } }, 'replace: expected text, got number 5 (add `string` before this step to convert it)'],
    [5, { strip_prefix: 'a' }, 'strip_prefix: expected text, got number 5 (add `string` before this step to convert it)'],
    [5, { strip_suffix: 'a' }, 'strip_suffix: expected text, got number 5 (add `string` before this step to convert it)'],
    [5, { add_prefix: 'a' }, 'add_prefix: expected text, got number 5 (add `string` before this step to convert it)'],
    [5, { add_suffix: 'a' }, 'add_suffix: expected text, got number 5 (add `string` before this step to convert it)'],
    ['Kari', { split: { by: ' ', index: 1 } }, 'split: "Kari" has 1 part(s) split by " ", no index 1'],
  ],
);

describe('text transforms that cannot fail on a value', () => {
  // nullif_empty and nullif accept every value; their failure mode is bad arguments.
  it('rejects arguments they do not take', () => {
    expect(problems({ nullif_empty: { x: 1 } })).toEqual([
      'nullif_empty: takes no arguments (write it as a bare name)',
      'nullif_empty is written as nullif_empty',
    ]);
    expect(problems({ nullif: 3 })[0]).toBe('nullif: expected a text or a list of texts, like [N/A, "-"]');
  });
});

table(
  'contact',
  [
    ['  Kari@Example.NO ', 'email', 'kari@example.no'],
    ['"Kari Nordmann" <Kari@Example.no>', 'email', 'kari@example.no'],
    ['mailto:ola@example.no', 'email', 'ola@example.no'],
    ['+47 912 34 567', 'phone_digits', '+4791234567'],
    ['(555) 123-4567', 'phone_digits', '5551234567'],
  ],
  [
    ['kari.example.no', 'email', 'email: "kari.example.no" is not an email address'],
    ['a@b@c', 'email', 'email: "a@b@c" is not an email address'],
    ['kari @example.no', 'email', 'email: "kari @example.no" is not an email address'],
    ['@example.no', 'email', 'email: "@example.no" is not an email address'],
    ['', 'email', 'email: "" is not an email address (if empty means unknown, add nullif_empty before this step)'],
    [
      '+47 912 34 567 ext. 3',
      'phone_digits',
      'phone_digits: "+47 912 34 567 ext. 3" is not a phone number (only digits, a leading +, spaces and - . ( ) / are allowed)',
    ],
    [4791234567, 'phone_digits', 'phone_digits: expected text, got number 4791234567 (add `string` before this step to convert it)'],
  ],
);

table(
  'int',
  [
    ['42', 'int', '42'],
    [42, 'int', '42'],
    ['  42 ', 'int', '42'],
    ['-7', 'int', '-7'],
    ['+007', 'int', '7'],
    ['12.00', 'int', '12'],
    ['-0', 'int', '0'],
    ['1234567890123456789', 'int', '1234567890123456789'],
    ['98765432109876543210', 'int', '98765432109876543210'],
    ['1,234', { int: { thousands: ',' } }, '1234'],
    ['1.234.567', { int: { thousands: '.' } }, '1234567'],
    ['1 234', { int: { thousands: ' ' } }, '1234'],
    ['1\u00a0234', { int: { thousands: ' ' } }, '1234'],
  ],
  [
    ['42.5', 'int', 'int: "42.5" is not a whole number'],
    [42.5, 'int', 'int: 42.5 is not a whole number'],
    [
      '1,234',
      'int',
      'int: "1,234" is not a number (thousands separators need { int: { thousands: \',\' } })',
    ],
    ['12,34', { int: { thousands: ',' } }, 'int: "12,34" is not a number'],
    ['abc', 'int', 'int: "abc" is not a number'],
    ['', 'int', 'int: "" is not a number (if empty means unknown, add nullif_empty before this step)'],
    [true, 'int', 'int: expected a number, got true'],
    [
      2 ** 60,
      'int',
      'int: 1152921504606847000 is beyond 2^53 and lost digits when it was read as a JSON number; the source must keep it as text',
    ],
  ],
);

table(
  'decimal',
  [
    ['90', 'decimal', '90'],
    ['90.50', 'decimal', '90.50'],
    [' +0090.50 ', 'decimal', '90.50'],
    ['.5', 'decimal', '0.5'],
    ['-0.00', 'decimal', '0.00'],
    ['-12.345', 'decimal', '-12.345'],
    // What a float would get wrong: these stay the exact digits they were written with.
    ['0.1', 'decimal', '0.1'],
    ['0.30000000000000004', 'decimal', '0.30000000000000004'],
    [0.1, 'decimal', '0.1'],
    [1e21, 'decimal', '1000000000000000000000'],
    [1.5e-7, 'decimal', '0.00000015'],
    ['12345678901234567.89', 'decimal', '12345678901234567.89'],
    ['90', { decimal: { scale: 2 } }, '90.00'],
    ['2.345', { decimal: { scale: 2 } }, '2.35'],
    ['-2.345', { decimal: { scale: 2 } }, '-2.35'],
    ['2.344999', { decimal: { scale: 2 } }, '2.34'],
    ['0.5', { decimal: { scale: 0 } }, '1'],
    ['-0.004', { decimal: { scale: 2 } }, '0.00'],
    ['1.234,56', { decimal: { comma: true } }, '1234.56'],
    ['1 234,5', { decimal: { comma: true } }, '1234.5'],
    ['12,5', { decimal: { comma: true, scale: 2 } }, '12.50'],
    ['1,234.56', { decimal: { thousands: ',' } }, '1234.56'],
  ],
  [
    [
      '12,3x',
      'decimal',
      'decimal: "12,3x" is not a number (for thousands separators use { decimal: { thousands: \',\' } }, for a decimal comma { decimal: { comma: true } })',
    ],
    ['1.5', { decimal: { comma: true } }, 'decimal: "1.5" is not a number'],
    ['1.2.3', 'decimal', 'decimal: "1.2.3" is not a number (for thousands separators use { decimal: { thousands: \',\' } }, for a decimal comma { decimal: { comma: true } })'],
    ['$12', 'decimal', 'decimal: "$12" is not a number'],
    ['1e3', 'decimal', 'decimal: "1e3" is not a number'],
    [Number.POSITIVE_INFINITY, 'decimal', 'decimal: Infinity is not a finite number'],
  ],
);

table(
  'cents_to_amount',
  [
    [4500, 'cents_to_amount', '45.00'],
    [-150, 'cents_to_amount', '-1.50'],
    [5, 'cents_to_amount', '0.05'],
    [-5, 'cents_to_amount', '-0.05'],
    [0, 'cents_to_amount', '0.00'],
    ['19999999999999999', 'cents_to_amount', '199999999999999.99'],
    ['-1234567890123456789', 'cents_to_amount', '-12345678901234567.89'],
    [4500, { cents_to_amount: { digits: 0 } }, '4500'],
    [12345, { cents_to_amount: { digits: 3 } }, '12.345'],
  ],
  [
    ['45.5', 'cents_to_amount', 'cents_to_amount: "45.5" is not a whole number'],
    [
      2 ** 60,
      'cents_to_amount',
      'cents_to_amount: 1152921504606847000 is beyond 2^53 and lost digits when it was read as a JSON number; the source must keep it as text',
    ],
  ],
);

table(
  'amount_to_cents',
  [
    ['45.00', 'amount_to_cents', '4500'],
    ['45', 'amount_to_cents', '4500'],
    ['45.5', 'amount_to_cents', '4550'],
    ['-1.5', 'amount_to_cents', '-150'],
    [0.29, 'amount_to_cents', '29'],
    ['199999999999999.99', 'amount_to_cents', '19999999999999999'],
    ['4500.000', { amount_to_cents: { digits: 0 } }, '4500'],
  ],
  [
    [
      '45.555',
      'amount_to_cents',
      'amount_to_cents: "45.555" has more than 2 decimal places (round it first with { decimal: { scale: 2 } })',
    ],
    ['45,00', 'amount_to_cents', 'amount_to_cents: "45,00" is not a number (convert it with a `decimal` step first)'],
  ],
);

describe('money chains', () => {
  it('rounds then converts, all in exact decimal text', () => {
    expect(run('1.234,565', { decimal: { comma: true, scale: 2 } }, 'amount_to_cents')).toBe('123457');
    expect(run(4500, 'cents_to_amount', 'amount_to_cents')).toBe('4500');
  });
});

table(
  'timestamp',
  [
    // ISO 8601 with an offset: the offset decides; tz is only for values without one.
    ['2026-07-04T09:00:00+02:00', 'timestamp', '2026-07-04T07:00:00Z'],
    ['2026-07-04T09:00:00+02:00', { timestamp: { tz: 'America/New_York' } }, '2026-07-04T07:00:00Z'],
    ['2026-07-04T07:00:00Z', 'timestamp', '2026-07-04T07:00:00Z'],
    ['2026-07-04T02:00-0500', 'timestamp', '2026-07-04T07:00:00Z'],
    ['2026-07-04 07:00:00+00', 'timestamp', '2026-07-04T07:00:00Z'],
    ['2026-07-04 07:00:00 UTC', 'timestamp', '2026-07-04T07:00:00Z'],
    ['2026-07-04T07:00:00.000Z', 'timestamp', '2026-07-04T07:00:00Z'],
    ['2026-07-04T07:00:00.12Z', 'timestamp', '2026-07-04T07:00:00.120Z'],
    ['2026-01-20 10:00:00.123456+01', 'timestamp', '2026-01-20T09:00:00.123456Z'],
    // Local times in a zone.
    ['2026-07-04 09:00:00', { timestamp: { tz: 'Europe/Oslo' } }, '2026-07-04T07:00:00Z'],
    ['2026-07-04T09:00', { timestamp: { tz: 'Europe/Oslo' } }, '2026-07-04T07:00:00Z'],
    ['2026-01-04 09:00:00', { timestamp: { tz: 'Europe/Oslo' } }, '2026-01-04T08:00:00Z'],
    ['2026-07-04 09:00:00', { timestamp: { tz: 'UTC' } }, '2026-07-04T09:00:00Z'],
    ['2026-07-04', { timestamp: { tz: 'Europe/Oslo' } }, '2026-07-03T22:00:00Z'],
    ['2026-07-04', { timestamp: { tz: 'America/New_York' } }, '2026-07-04T04:00:00Z'],
    // DST overlap (clocks go back): the earlier instant unless ambiguous: later.
    ['2026-10-25 02:30:00', { timestamp: { tz: 'Europe/Oslo' } }, '2026-10-25T00:30:00Z'],
    ['2026-10-25 02:30:00', { timestamp: { tz: 'Europe/Oslo', ambiguous: 'later' } }, '2026-10-25T01:30:00Z'],
    ['2026-11-01 01:30:00', { timestamp: { tz: 'America/New_York' } }, '2026-11-01T05:30:00Z'],
    ['2026-11-01 01:30:00', { timestamp: { tz: 'America/New_York', ambiguous: 'later' } }, '2026-11-01T06:30:00Z'],
    // Either side of the spring gap exists.
    ['2026-03-29 01:59:59', { timestamp: { tz: 'Europe/Oslo' } }, '2026-03-29T00:59:59Z'],
    ['2026-03-29 03:00:00', { timestamp: { tz: 'Europe/Oslo' } }, '2026-03-29T01:00:00Z'],
    // RFC 2822 (mail headers).
    ['Fri, 20 Nov 2026 10:00:00 +0100', 'timestamp', '2026-11-20T09:00:00Z'],
    ['Fri, 20 Nov 2026 10:00:00 +0100 (CET)', 'timestamp', '2026-11-20T09:00:00Z'],
    ['20 Nov 2026 10:00 GMT', 'timestamp', '2026-11-20T10:00:00Z'],
    // Unix times.
    [1700000000, { timestamp: { unix: 's' } }, '2023-11-14T22:13:20Z'],
    ['1700000000', { timestamp: { unix: 's' } }, '2023-11-14T22:13:20Z'],
    [1700000000.5, { timestamp: { unix: 's' } }, '2023-11-14T22:13:20.500Z'],
    [1700000000123, { timestamp: { unix: 'ms' } }, '2023-11-14T22:13:20.123Z'],
    [1700000000000, { timestamp: { unix: 'ms' } }, '2023-11-14T22:13:20Z'],
    [-1500, { timestamp: { unix: 'ms' } }, '1969-12-31T23:59:58.500Z'],
    // Formats.
    ['04.07.2026 09:00', { timestamp: { tz: 'Europe/Oslo', format: 'dd.MM.yyyy HH:mm' } }, '2026-07-04T07:00:00Z'],
    ['04.07.2026 09:00 -04:00', { timestamp: { tz: 'Europe/Oslo', format: 'dd.MM.yyyy HH:mm ZZ' } }, '2026-07-04T13:00:00Z'],
    ['7/4/2026 9:00 PM', { timestamp: { tz: 'America/New_York', format: 'M/d/yyyy h:mm a' } }, '2026-07-05T01:00:00Z'],
  ],
  [
    [
      '2026-03-29 02:30:00',
      { timestamp: { tz: 'Europe/Oslo' } },
      'timestamp: "2026-03-29 02:30:00" does not exist in Europe/Oslo: the clocks skipped 2026-03-29 02:30:00 when the offset changed from +01:00 to +02:00',
    ],
    [
      '2026-03-08 02:15',
      { timestamp: { tz: 'America/New_York' } },
      'timestamp: "2026-03-08 02:15" does not exist in America/New_York: the clocks skipped 2026-03-08 02:15:00 when the offset changed from -05:00 to -04:00',
    ],
    [
      '29.03.2026 02:30',
      { timestamp: { tz: 'Europe/Oslo', format: 'dd.MM.yyyy HH:mm' } },
      'timestamp: "29.03.2026 02:30" does not exist in Europe/Oslo: the clocks skipped 2026-03-29 02:30:00 when the offset changed from +01:00 to +02:00',
    ],
    [
      '2026-07-04 09:00:00',
      'timestamp',
      'timestamp: "2026-07-04 09:00:00" has no UTC offset; name the zone with tz, e.g. { timestamp: { tz: Europe/Oslo } }',
    ],
    ['2026-07-04', 'timestamp', 'timestamp: "2026-07-04" has no UTC offset; name the zone with tz, e.g. { timestamp: { tz: Europe/Oslo } }'],
    ['2026-02-30 10:00', { timestamp: { tz: 'UTC' } }, 'timestamp: "2026-02-30 10:00" is not a real date and time'],
    ['2026-07-04T25:00Z', 'timestamp', 'timestamp: "2026-07-04T25:00Z" is not a real date and time'],
    [
      'Thu, 20 Nov 2026 10:00:00 +0100',
      'timestamp',
      "timestamp: \"Thu, 20 Nov 2026 10:00:00 +0100\" is not a valid RFC 2822 date: you can't specify both a weekday of 4 and a date of 2026-11-20T10:00:00.000+01:00",
    ],
    [1700000000, 'timestamp', 'timestamp: expected a date/time text, got 1700000000 (for a unix time add unix: s or unix: ms)'],
    [
      1700000000123,
      { timestamp: { unix: 's' } },
      'timestamp: 1700000000123 is outside years 1-9999 as unix seconds (is it unix: ms?)',
    ],
    ['soon', { timestamp: { unix: 's' } }, 'timestamp: "soon" is not a unix time in seconds'],
    [
      'next Friday',
      { timestamp: { tz: 'UTC' } },
      'timestamp: "next Friday" is not a date/time in a known form (ISO 8601, "YYYY-MM-DD HH:MM:SS", RFC 2822); describe other forms with format, e.g. format: \'dd.MM.yyyy HH:mm\'',
    ],
    ['09:30', { timestamp: { tz: 'UTC' } }, 'timestamp: "09:30" is a time of day (09:30:00) with no date'],
    [
      '2026-07-04 09:00',
      { timestamp: { tz: 'UTC', format: 'dd.MM.yyyy HH:mm' } },
      'timestamp: "2026-07-04 09:00" does not match format "dd.MM.yyyy HH:mm"',
    ],
    [
      '04.07 09:00',
      { timestamp: { tz: 'UTC', format: 'dd.MM HH:mm' } },
      'timestamp: format "dd.MM HH:mm" has no year; salvage will not assume the current one',
    ],
    [
      '',
      { timestamp: { tz: 'UTC' } },
      'timestamp: "" is not a date/time in a known form (ISO 8601, "YYYY-MM-DD HH:MM:SS", RFC 2822); describe other forms with format, e.g. format: \'dd.MM.yyyy HH:mm\' (if empty means unknown, add nullif_empty before this step)',
    ],
  ],
);

table(
  'date',
  [
    ['2026-07-04', 'date', '2026-07-04'],
    ['2026-07-04', { date: { tz: 'Pacific/Auckland' } }, '2026-07-04'],
    ['2026-07-04 23:30:00', 'date', '2026-07-04'],
    ['2026-07-04T23:30:00Z', { date: { tz: 'Europe/Oslo' } }, '2026-07-05'],
    ['2026-07-04T23:30:00Z', { date: { tz: 'UTC' } }, '2026-07-04'],
    ['2026-07-05T01:30:00+02:00', { date: { tz: 'America/New_York' } }, '2026-07-04'],
    ['20 November 2026', { date: { format: 'd MMMM yyyy' } }, '2026-11-20'],
    ['20. november 2026', { date: { format: 'd. MMMM yyyy', locale: 'nb-NO' } }, '2026-11-20'],
    [1700000000, { date: { unix: 's', tz: 'Asia/Tokyo' } }, '2023-11-15'],
  ],
  [
    [
      '2026-07-04T23:30:00Z',
      'date',
      'date: "2026-07-04T23:30:00Z" is an instant, and its date depends on the zone; name the zone with tz, e.g. { date: { tz: Europe/Oslo } }',
    ],
    ['2026-13-01', 'date', 'date: "2026-13-01" is not a real date and time'],
    ['20 November', { date: { format: 'd MMMM' } }, 'date: format "d MMMM" has no year; salvage will not assume the current one'],
    ['November 2026', { date: { format: 'MMMM yyyy' } }, 'date: format "MMMM yyyy" has no day of the month'],
  ],
);

table(
  'time',
  [
    ['09:30', 'time', '09:30:00'],
    ['9:30:15.250', 'time', '09:30:15.250'],
    ['2026-07-04 21:15:00', 'time', '21:15:00'],
    ['2026-07-04T07:00:00Z', { time: { tz: 'Europe/Oslo' } }, '09:00:00'],
    ['9:30 PM', { time: { format: 'h:mm a' } }, '21:30:00'],
  ],
  [
    ['2026-07-04', 'time', 'time: "2026-07-04" is a date with no time of day'],
    ['24:00', 'time', 'time: "24:00" is not a real time of day'],
    [
      '2026-07-04T07:00:00Z',
      'time',
      'time: "2026-07-04T07:00:00Z" is an instant, and its time of day depends on the zone; name the zone with tz, e.g. { time: { tz: Europe/Oslo } }',
    ],
  ],
);

const STATUS = { map: { values: { Paid: 'succeeded', Refunded: 'refunded', Void: null } } };

table(
  'map',
  [
    ['Paid', STATUS, 'succeeded'],
    ['Void', STATUS, null],
    ['paid', { map: { values: { Paid: 'succeeded' }, ignoreCase: true } }, 'succeeded'],
    ['Pending', { map: { values: { Paid: 'succeeded' }, otherwise: 'keep' } }, 'Pending'],
    ['Pending', { map: { values: { Paid: 'succeeded' }, otherwise: 'null' } }, null],
    ['Pending', { map: { values: { Paid: 'succeeded' }, otherwise: null } }, null],
    [1, { map: { values: { '1': 'one', '2': 'two' } } }, 'one'],
    [true, { map: { values: { true: 'yes' } } }, 'yes'],
  ],
  [
    ['Pending', STATUS, 'map: "Pending" is not one of "Paid", "Refunded", "Void"'],
    [
      'paid',
      STATUS,
      'map: "paid" is not one of "Paid", "Refunded", "Void" (did you mean "Paid"? add ignoreCase: true if case does not matter)',
    ],
  ],
);

table(
  'boolean',
  [
    ['yes', 'boolean', true],
    [' No ', 'boolean', false],
    ['Y', 'boolean', true],
    ['f', 'boolean', false],
    ['TRUE', 'boolean', true],
    ['0', 'boolean', false],
    [1, 'boolean', true],
    [false, 'boolean', false],
  ],
  [
    ['maybe', 'boolean', 'boolean: "maybe" is not a yes/no value (expected true/false, yes/no, y/n, t/f or 1/0)'],
    [2, 'boolean', 'boolean: 2 is not a yes/no value (expected true/false, yes/no, y/n, t/f or 1/0)'],
  ],
);

table(
  'default and required',
  [
    [null, { default: 1 }, 1],
    [null, { default: 'EUR' }, 'EUR'],
    ['NOK', { default: 'EUR' }, 'NOK'],
    ['', { default: 'EUR' }, ''],
    ['x', 'required', 'x'],
    ['', 'required', ''],
  ],
  [[null, 'required', 'required: the value is missing (null)']],
);

describe('null', () => {
  it('passes through every transform except default and required', () => {
    for (const [name, spec] of TRANSFORMS) {
      if (spec.handlesNull) continue;
      const parsed = parseTransformStep(name);
      // Transforms that need arguments are checked with a representative step below.
      if (!parsed.ok) continue;
      expect(runTransforms(null, [parsed.step]), name).toBeNull();
    }
    expect(run(null, STATUS, { split: { by: ' ', index: 0 } }, { add_prefix: 'x' })).toBeNull();
  });

  it('reaches default after a chain, and nullif_empty turns an empty cell into it', () => {
    expect(run(null, 'int', { default: 1 })).toBe(1);
    expect(run('', 'trim', 'nullif_empty', 'int', { default: 1 })).toBe(1);
    expect(run(' 3 ', 'trim', 'nullif_empty', 'int', { default: 1 })).toBe('3');
  });

  it('records which transform failed and on what value', () => {
    try {
      run('  12,3x ', 'trim', 'decimal');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TransformError);
      expect((e as TransformError).transform).toBe('decimal');
      expect((e as TransformError).input).toBe('12,3x');
    }
  });
});

describe('parseTransformStep', () => {
  it('accepts a bare name, a one-key object, and a YAML blank argument', () => {
    expect(parseTransformStep('trim')).toEqual({ ok: true, step: { name: 'trim', args: undefined } });
    expect(parseTransformStep({ trim: null })).toEqual({ ok: true, step: { name: 'trim', args: undefined } });
    expect(parseTransformStep({ decimal: { scale: 2 } })).toEqual({ ok: true, step: { name: 'decimal', args: { scale: 2 } } });
    expect(parseTransformStep('decimal')).toEqual({ ok: true, step: { name: 'decimal', args: {} } });
  });

  it.each<[unknown, string[]]>([
    ['lowr', ['unknown transform "lowr" (did you mean "lower"?)']],
    ['timestmp', ['unknown transform "timestmp" (did you mean "timestamp"?)']],
    ['lowercase', ['unknown transform "lowercase" (did you mean "lower"?)']],
    ['integer', ['unknown transform "integer" (did you mean "int"?)']],
    ['frobnicate', ['unknown transform "frobnicate"']],
    [{ decimal: { scael: 2 } }, [
      'decimal: unknown option "scael" (did you mean "scale"?); options are: scale, comma, thousands',
      "decimal is written as decimal or { decimal: { scale: 2 } } or { decimal: { comma: true } } or { decimal: { thousands: ',' } }",
    ]],
    [{ decimal: { scale: -1 } }, [
      'decimal: scale: Too small: expected number to be >=0',
      "decimal is written as decimal or { decimal: { scale: 2 } } or { decimal: { comma: true } } or { decimal: { thousands: ',' } }",
    ]],
    [{ decimal: 2 }, [
      'decimal: expected options like { scale: 2, comma: true }',
      "decimal is written as decimal or { decimal: { scale: 2 } } or { decimal: { comma: true } } or { decimal: { thousands: ',' } }",
    ]],
    [{ decimal: { comma: true, thousands: ',' } }, [
      'decimal: thousands cannot be the decimal mark (with comma: true the mark is ",", otherwise ".")',
      "decimal is written as decimal or { decimal: { scale: 2 } } or { decimal: { comma: true } } or { decimal: { thousands: ',' } }",
    ]],
    [{ timestamp: { tz: 'Europe/Olso' } }, [
      'timestamp: tz: unknown time zone "Europe/Olso" (did you mean "Europe/Oslo"?); use an IANA name like Europe/Oslo or UTC',
    ]],
    [{ date: { tz: 'New York' } }, [
      'date: tz: unknown time zone "New York" (did you mean "America/New_York"?); use an IANA name like Europe/Oslo or UTC',
    ]],
    [{ timestamp: { tz: 'Mars/Olympus' } }, [
      'timestamp: tz: unknown time zone "Mars/Olympus"; use an IANA name like Europe/Oslo or UTC',
    ]],
    [{ timestamp: { unix: 'sec' } }, ['timestamp: unix: unix must be s or ms']],
    [{ timestamp: { unix: 's', format: 'X' } }, ['timestamp: give either format or unix, not both']],
    [{ timestamp: { ambiguous: 'first' } }, ['timestamp: ambiguous: ambiguous must be earlier or later']],
    [{ date: { locale: 'xx-YY-zz-1' } }, ['date: locale: unknown locale (use a tag like en-US, nb-NO, de-DE)']],
    [{ replace: { pattern: '(' } }, ['replace: pattern: not a valid regular expression: missing closing ): `(`']],
    [{ replace: { pattern: 'a', flags: 'g' } }, ['replace: flags: flags may only contain i, m, s, u (matching is always global)']],
    [{ replace: { pattern: 'a(?=b)' } }, [
      'replace: pattern: not a valid regular expression: invalid or unsupported Perl syntax: `(?=` (patterns run on RE2, which never backtracks: lookahead, lookbehind and backreferences are not available)',
    ]],
    [{ replace: { pattern: '(a)\\1' } }, [
      'replace: pattern: not a valid regular expression: invalid escape sequence: `\\1` (patterns run on RE2, which never backtracks: lookahead, lookbehind and backreferences are not available)',
    ]],
    [{ split: { by: ' ' } }, ['split: index: is missing']],
    ['map', ['map: values: is missing']],
    [{ map: 'x' }, ['map: expected options like { values: { Paid: succeeded }, otherwise: error }']],
    [{ map: { values: { Paid: 'succeeded' }, otherwise: 'drop' } }, ['map: otherwise: otherwise must be error, null or keep']],
    [{ map: { values: { Paid: 'a', paid: 'b' }, ignoreCase: true } }, ['map: values.paid: "paid" repeats another key when case is ignored']],
    [{ map: { values: { Paid: 'succeeded' } }, otherwise: 'error' }, [
      'map: put its options inside it, beside values: { map: { values: { Paid: succeeded }, otherwise: error } }',
    ]],
    [{ map: { values: { Paid: ['x'] } } }, ['map: values.Paid: expected a text, number, true/false or null']],
    ['default', ['default: expected the constant to use for null: a text, number or true/false']],
    [{ trim: true }, ['trim: takes no arguments (write it as a bare name)']],
    [{ add_prefix: '' }, ['add_prefix: cannot be empty']],
    [{ trim: null, lower: null }, [
      'a transform step has exactly one key (the transform name), found trim, lower; write each transform as its own list item',
    ]],
    [{}, ['a transform step cannot be an empty object; write a name like trim or { decimal: { scale: 2 } }']],
    [42, ['a transform step is a name or a one-key object like { decimal: { scale: 2 } }, got number 42']],
    [['trim'], ['a transform step is a name or a one-key object like { decimal: { scale: 2 } }, got a list (write one step per list item)']],
  ])('%j → problems', (raw, expected) => {
    const got = problems(raw);
    // The usage line is appended to every bad-arguments report; checked in full above for decimal.
    expect(got.slice(0, expected.length)).toEqual(expected);
  });

  it('has a summary and usage for every transform, and every usage example parses', () => {
    for (const [name, spec] of TRANSFORMS) {
      expect(spec.name).toBe(name);
      expect(spec.summary.length, name).toBeGreaterThan(0);
      expect(spec.usage.length, name).toBeGreaterThan(0);
      for (const example of spec.usage) {
        const parsed = parseTransformStep(parseYaml(example));
        expect(parsed.ok ? [] : parsed.problems, example).toEqual([]);
      }
    }
  });
});
