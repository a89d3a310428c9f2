import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, formatCheckReport, type CheckReport } from '../../src/check/index.js';
import { isClockDefault } from '../../src/mapping/now-defaults.js';
import { parseConfig } from '../../src/config/load.js';
import { tempJobDir } from '../support/flow.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();

const SCHEMA = `
CREATE TABLE visits (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
  logged_at timestamp NOT NULL DEFAULT timezone('utc', now()),
  visit_day date NOT NULL DEFAULT CURRENT_DATE,
  seen_at timestamptz DEFAULT now(),
  booked_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL DEFAULT 'now()'
);
CREATE TABLE "order" (
  id bigint PRIMARY KEY,
  placed_at timestamptz NOT NULL DEFAULT statement_timestamp()
);
CREATE TABLE notes (
  id bigint PRIMARY KEY,
  written_at timestamptz NOT NULL DEFAULT now()
);
`;

const FILES: Record<string, string> = {
  'visits.yaml': `table: visits
keep_existing: [created_at]
rules:
  - name: visit
    source: calendar
    columns:
      reference: data.uid
      booked_at: { from: data.created, transform: [timestamp] }
`,
  'order.yaml': `# reserved word as a table name
table: order
rules:
  - name: order
    source: calendar
    columns:
      id: { from: data.sequence, transform: [int] }
`,
  'notes.yaml': `table: notes
rules:
  - name: note
    source: calendar
    columns:
      id: { from: data.sequence, transform: [int] }
      written_at: { from: createdAt, transform: [timestamp] }
`,
};

const CONFIG = (url: string) => `job: ./recovery
backup: { url: ${JSON.stringify(url)} }
window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }
sources:
  calendar: { kind: ics, files: [exports/*.ics] }
`;

describe('clock defaults', () => {
  it('recognises the forms PostgreSQL stores a clock default in, and nothing else', () => {
    for (const text of ['now()', 'CURRENT_TIMESTAMP', 'CURRENT_DATE', 'LOCALTIMESTAMP', "timezone('utc'::text, now())", 'clock_timestamp()', "(now() + '1 day'::interval)"]) {
      expect(isClockDefault({ default: text })).toBe(true);
    }
    // A quoted 'now()' is a text constant; the catalog writes it with its cast.
    for (const text of [null, "'now()'::text", "'it''s now()'::text", "'pending'::text", 'gen_random_uuid()', "nextval('snow_id_seq'::regclass)", 'known(1)']) {
      expect(isClockDefault({ default: text })).toBe(false);
    }
  });
});

describe.runIf(pgUp)('salvage check warns about columns that will silently become "now"', () => {
  let db: TestDatabase;
  let report: CheckReport;

  beforeAll(async () => {
    db = await createTestDatabase('check_now');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(SCHEMA);
    await client.end();
    const dir = await tempJobDir('check-now');
    await mkdir(path.join(dir, 'mappings'));
    for (const [name, text] of Object.entries(FILES)) await writeFile(path.join(dir, 'mappings', name), text);
    const file = path.join(dir, 'salvage.yaml');
    await writeFile(file, CONFIG(db.url));
    report = await check(parseConfig(CONFIG(db.url), file, { kinds: SOURCE_KINDS, env: {} }));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('one warning per table at its table: line, naming each NOT NULL clock column no rule fills', () => {
    expect(report.problems).toEqual([]);
    expect(report.warnings.map((w) => `${path.basename(w.file)}:${w.line}: ${w.message}`)).toEqual([
      'order.yaml:2: public.order: no rule fills placed_at (timestamp with time zone, DEFAULT statement_timestamp()): every new row would get the time the patch is applied. ' +
        'Map the earliest evidence of the row instead, e.g. placed_at: { from: createdAt, transform: [timestamp] } with merge: { placed_at: min } (min keeps the earliest time any source gives)',
      // keep_existing does not fill created_at for new rows; nullable seen_at and the text default are left alone.
      'visits.yaml:1: public.visits: no rule fills created_at (timestamp with time zone, DEFAULT now()), updated_at (timestamp with time zone, DEFAULT CURRENT_TIMESTAMP), ' +
        "logged_at (timestamp without time zone, DEFAULT timezone('utc'::text, now())), visit_day (date, DEFAULT CURRENT_DATE): every new row would get the time the patch is applied. " +
        'Map the earliest evidence of the row instead, e.g. created_at: { from: createdAt, transform: [timestamp] } with merge: { created_at: min } (min keeps the earliest time any source gives)',
    ]);
    expect(report.ok).toBe(true);
  });

  it('shows them under Warnings in the terminal report without failing the check', () => {
    const text = formatCheckReport(report);
    expect(text).toMatch(/Warnings:\n {2}.*order\.yaml:2:\d+: public\.order: no rule fills placed_at/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('OK: no problems.');
  });
});
