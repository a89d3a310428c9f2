import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, formatCheckReport, type CheckReport } from '../../src/check/index.js';
import { parseConfig } from '../../src/config/load.js';
import { DEMO_SCHEMA_SQL } from '../../src/sql/demo-schema.js';
import { mappedJob } from '../support/mapped-job.js';
import { seededDatabase } from '../support/seeded-database.js';
import { postgresAvailable } from '../support/postgres.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();

/** Every kind of mistake check knows, each at a line these files pin down. */
const FILES: Record<string, string> = {
  // Problems only the live schema shows: the file itself loads.
  'bookings.yaml': `table: bookings
match: [[reference]]
rules:
  - name: from-calendar
    source: calendar
    type: calendar.event
    columns:
      id: { from: data.start, transform: [timestamp] }
      reference: data.summary
      status: { from: data.status, transform: [{ map: { values: { CONFIRMED: confirmd, CANCELLED: cancelled } } }] }
      total: { from: data.amount, transform: [decimal] }
      colour: data.colour
`,
  // Problems the loader finds: a TODO left by init, a misspelt transform.
  'customers.yaml': `table: customers
rules:
  - name: attendee
    source: calendar
    columns:
      email: { from: 'data.attendees[0].email', transform: [emial] }
      full_name: 'TODO: where the customer name is'
      created_at: { from: data.created, transform: [{ timestamp: { tz: 'TODO: the zone of these times' } }] }
`,
  'payments.yaml': `table: paymnts
rules:
  - name: charge
    source: payments
    columns:
      stripe_charge_id: data.id
`,
  'refunds.yaml': `table: refunds
rules:
  - name: refund
    source: stripe
    columns:
      id: { from: data.number, transform: [decimal] }
      amount: { from: data.amount, transform: [cents_to_amount] }
      refunded_at: { from: data.created, transform: [int] }
`,
  'broken.yml': `table: refunds
rules: [ { name: x
`,
};

const CONFIG = (url: string) => `job: ./recovery
backup: { url: ${JSON.stringify(url)} }
window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }
sources:
  calendar: { kind: ics, files: [exports/*.ics] }
  payments: { kind: csv, files: [exports/payments.csv] }
  gcal: { kind: google-calendar, accessToken: env:CHECK_TEST_GCAL_TOKEN }
`;

describe.runIf(pgUp)('salvage check: every problem at once, each with file:line', () => {
  const db = seededDatabase('check_problems', DEMO_SCHEMA_SQL);
  let dir: string;
  let report: CheckReport;

  beforeAll(async () => {
    const job = await mappedJob('check-problems', FILES, CONFIG(db.url));
    dir = job.dir;
    report = await check(job.config);
  });

  it('reports each problem of each file, in file and line order', () => {
    const lines = report.problems.map((p) => `${path.basename(p.file)}:${p.line ?? '-'}: ${p.message}`);
    expect(lines).toEqual([
      // A NOT NULL column without default that no rule fills, at the table's line.
      'bookings.yaml:1: public.bookings.customer_id (bigint) is NOT NULL with no default, and no rule of this table fills it: every new row would be unrecoverable',
      'bookings.yaml:1: public.bookings.item (text) is NOT NULL with no default, and no rule of this table fills it: every new row would be unrecoverable',
      'bookings.yaml:1: public.bookings.starts_at (timestamp with time zone) is NOT NULL with no default, and no rule of this table fills it: every new row would be unrecoverable',
      'bookings.yaml:1: public.bookings.ends_at (timestamp with time zone) is NOT NULL with no default, and no rule of this table fills it: every new row would be unrecoverable',
      'bookings.yaml:1: public.bookings.created_at (timestamp with time zone) is NOT NULL with no default, and no rule of this table fills it: every new row would be unrecoverable',
      // A type no value can have in the column.
      'bookings.yaml:8: from-calendar: public.bookings.id (bigint): a timestamp into an integer column',
      // A value the column's CHECK constraint does not allow.
      'bookings.yaml:10: from-calendar: public.bookings.status (text): "confirmd" is not a value its CHECK constraint allows (confirmed, cancelled)',
      // A column the table does not have (bindMappings).
      expect.stringMatching(/^bookings\.yaml:12: rule from-calendar: table public\.bookings has no column "colour"/),
      // Not YAML at all (the parser's own words).
      // One mistake, one problem: the parser's second error on the same line is left out.
      'broken.yml:3: Flow map in block collection must be sufficiently indented and end with a }',
      // Loader problems: a misspelt transform, a TODO left by init (said plainly).
      expect.stringMatching(/^customers\.yaml:6: unknown transform "emial" \(did you mean "email"\?\)/),
      'customers.yaml:7: TODO: where the customer name is',
      // A TODO inside a transform's options: its own words, without the loader's usage notes beside it.
      'customers.yaml:8: TODO: the zone of these times',
      // A table the backup does not have.
      expect.stringMatching(/^payments\.yaml:1: no table "paymnts" in the backup database/),
      'refunds.yaml:1: public.refunds.payment_id (bigint) is NOT NULL with no default, and no rule of this table fills it: every new row would be unrecoverable',
      'refunds.yaml:1: public.refunds.stripe_refund_id (text) is NOT NULL with no default, and no rule of this table fills it: every new row would be unrecoverable',
      // A source salvage.yaml does not have.
      expect.stringMatching(/^refunds\.yaml:4: no source named "stripe" in salvage\.yaml \(sources: calendar, payments, gcal\)/),
      'refunds.yaml:6: refund: public.refunds.id (bigint): a decimal into an integer column: every value with a fraction fails (use int, or amount_to_cents for money)',
      'refunds.yaml:8: refund: public.refunds.refunded_at (timestamp with time zone): an integer into a timestamp column (use timestamp)',
    ]);
    expect(report.ok).toBe(false);
  });

  it('keeps what only a later step needs apart: an unset secret of a source is a warning', () => {
    expect(report.warnings.map((w) => `${path.basename(w.file)}:${w.line}: ${w.message}`)).toEqual([
      'salvage.yaml:7: environment variable CHECK_TEST_GCAL_TOKEN is not set (export CHECK_TEST_GCAL_TOKEN=... before running salvage)',
    ]);
  });

  it('formats the report for the terminal', () => {
    const text = formatCheckReport(report);
    expect(text).toContain('18 problems:');
    expect(text).toMatch(/customers\.yaml:7:\d+: TODO: where the customer name is/);
    expect(text).toContain('No records pulled yet: run "salvage pull"');
    expect(text).toContain('Not loaded, so not checked against the schema nor run (fix their problems first): broken.yml, customers.yaml');
    expect(text).toContain('gcal (google-calendar): not pulled yet ("salvage pull --source gcal")');
    expect(text.trimEnd().split('\n').at(-1)).toBe('18 problems: fix them and run "salvage check" again.');
  });

  it('says the backup cannot be read instead of failing, with the other problems still listed', async () => {
    const file = path.join(dir, 'salvage.yaml');
    const text = CONFIG(db.url).replace(/backup: .*/, 'backup: { url: env:CHECK_TEST_MISSING_URL }');
    const withoutBackup = await check(parseConfig(text, file, { kinds: SOURCE_KINDS, env: {} }));
    expect(withoutBackup.problems.map((p) => `${path.basename(p.file)}:${p.line}: ${p.message}`)).toContain(
      'salvage.yaml:2: environment variable CHECK_TEST_MISSING_URL is not set (export CHECK_TEST_MISSING_URL=... before running salvage)',
    );
    expect(withoutBackup.problems.some((p) => p.message === 'TODO: where the customer name is')).toBe(true);
  });
});
