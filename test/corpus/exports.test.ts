/**
 * Corpus, exports as they arrive after an incident (see export-shapes.ts): CSV from Google
 * Sheets, Excel and CRMs, ICS from Google, Outlook/Exchange, Apple and Zimbra, and fifty
 * room calendars of which two are odd. Every case is pulled with `salvage pull` (the
 * library, as the CLI runs it): the records read, the rejections named at file:line and
 * the quirk warnings are asserted per source, and reconcile's ledger must add up with the
 * rejections in it: pulled = mapped + matched no rule + rejected.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { appleCalendar, crmDeals, excelBookings, fiftyExports, googleCalendar, largeCrmExport, outlookCalendar, sheetsContacts, zimbraCalendar, type ExportCase } from './export-shapes.js';
import { caseDir, cliAvailable, OBSERVED_WINDOW, pullAndReconcile, readRecords, readText, salvage, writeFiles, type PipelineRun } from './support.js';
import { rejectionsPath } from '../../src/runtime/job-paths.js';

const pgUp = await postgresAvailable();
const LARGE_ROWS = 20_000;

/** Source name -> its kind and its cases (one file each, but the fifty rooms). */
const SOURCES: Record<string, { kind: 'csv' | 'ics'; cases: ExportCase[] }> = {
  sheets: { kind: 'csv', cases: [sheetsContacts()] },
  excel: { kind: 'csv', cases: [excelBookings()] },
  crm: { kind: 'csv', cases: [crmDeals()] },
  crmlarge: { kind: 'csv', cases: [largeCrmExport(LARGE_ROWS)] },
  google: { kind: 'ics', cases: [googleCalendar()] },
  outlook: { kind: 'ics', cases: [outlookCalendar()] },
  apple: { kind: 'ics', cases: [appleCalendar()] },
  zimbra: { kind: 'ics', cases: [zimbraCalendar()] },
  rooms: { kind: 'ics', cases: fiftyExports() },
};

describe.runIf(pgUp)('corpus: real-world exports degrade per record, never per source', () => {
  let backup: TestDatabase;
  let dir: string;
  let run: PipelineRun;

  beforeAll(async () => {
    backup = await createTestDatabase('corpus_exports');
    const { query } = await import('./support.js');
    await query(backup.url, 'CREATE TABLE seen (ref text PRIMARY KEY)');
    dir = await caseDir('exports');
    const files: Record<string, string | Buffer> = {};
    const sources: string[] = [];
    for (const [name, { kind, cases }] of Object.entries(SOURCES)) {
      for (const c of cases) files[c.file] = c.content;
      const patterns = name === 'rooms' ? ['calendars/rooms/*.ics'] : cases.map((c) => c.file);
      sources.push(`  ${name}: { kind: ${kind}, files: ${JSON.stringify(patterns)} }`);
    }
    await writeFiles(dir, {
      ...files,
      'salvage.yaml': `job: ./job\nbackup: { url: env:CORPUS_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n${sources.join('\n')}\n`,
      // Every record becomes a row, but rows of the large export, which match no rule: all three fates of the ledger.
      'mappings/seen.yaml': 'table: seen\nrules:\n  - name: any\n    when: { source: { not_in: [crmlarge] } }\n    columns:\n      ref: ref\n',
    });
    run = await pullAndReconcile(dir, { CORPUS_BACKUP_URL: backup.url });
  }, 120_000);
  afterAll(async () => {
    await backup?.drop();
  });

  for (const [name, { cases }] of Object.entries(SOURCES)) {
    describe(`${name} (${cases.length === 1 ? cases[0]?.file : `${cases.length} files`})`, () => {
      it('reads every readable record, in file order', async () => {
        const ids = (await readRecords(run.config.jobDir, name)).map((r) => r.id);
        expect(ids).toEqual(cases.flatMap((c) => c.ids));
      });

      it('names every rejection at its file:line, with what and why, and nothing else', async () => {
        const expected = cases.flatMap((c) => c.rejected);
        const file = rejectionsPath(run.config.jobDir, name);
        if (expected.length === 0) {
          expect(existsSync(file)).toBe(false);
          return;
        }
        const lines = (await readText(file)).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { what: string; location: string; reason: string });
        expect(lines).toEqual(expected.map((r) => ({ what: r.what, location: r.location, reason: expect.stringMatching(r.reason) })));
        expect(run.pulled.find((s) => s.source === name)?.rejected).toBe(expected.length);
      });

      it('says which quirks it read, and how', () => {
        const logs = run.pullLog.filter((l) => l.startsWith(`${name}: warning`));
        for (const pattern of cases.flatMap((c) => c.warnings)) expect(logs.some((l) => pattern.test(l)), String(pattern)).toBe(true);
      });

      it('adds up in the ledger: pulled = mapped + matched no rule + rejected, the unreadable ones included', () => {
        const ledger = run.changeset.sources.find((s) => s.name === name);
        const ids = cases.flatMap((c) => c.ids).length;
        const rejected = cases.flatMap((c) => c.rejected).length;
        expect(ledger).toMatchObject({ records: ids + rejected, rejected, mapped: name === 'crmlarge' ? 0 : ids, unmapped: name === 'crmlarge' ? ids : 0 });
        expect(ledger?.unreadable ?? 0).toBe(rejected);
        expect(ledger!.records).toBe(ledger!.mapped! + ledger!.unmapped! + ledger!.rejected!);
      });
    });
  }

  it('the pull log ends each source with its rejections, the first few by file:line', () => {
    expect(run.pullLog).toContain('crm: 2 records could not be read and were rejected (all in ' + path.relative(process.cwd(), rejectionsPath(run.config.jobDir, 'crm')) + '):');
    expect(run.pullLog.some((l) => l.startsWith('zimbra:   calendars/zimbra.ics:') && l.includes('calendar event'))).toBe(true);
  });

  it('Outlook\'s swallowed value and TZID= prefix read as the Windows zone of the file\'s VTIMEZONE', async () => {
    const records = await readRecords(run.config.jobDir, 'outlook');
    expect(records.map((r) => [r.data.start, r.data.timeZone])).toEqual([
      ['2026-06-09T09:00:00+02:00', 'W. Europe Standard Time'],
      ['2026-06-10T09:00:00+02:00', 'W. Europe Standard Time'],
      ['2026-06-11T09:00:00+02:00', 'W. Europe Standard Time'],
    ]);
  });

  it('a time without seconds reads as :00 in its zone', async () => {
    const [kickoff] = await readRecords(run.config.jobDir, 'zimbra');
    expect([kickoff?.data.start, kickoff?.data.end]).toEqual(['2026-06-11T09:30:00+02:00', '2026-06-11T10:30:00+02:00']);
  });

  it('bare quotes are kept as written, as Python\'s csv and Papa Parse read them', async () => {
    const [monitor] = await readRecords(run.config.jobDir, 'crm');
    expect(monitor?.data).toMatchObject({ deal: '27" monitor', site: '37°36\'37.8"N 122°22\'30.1"W' });
  });
});

describe.runIf(pgUp && cliAvailable())('corpus: `salvage pull` exits 0 with a rejection summary; --strict exits 1', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await caseDir('exports-cli');
    const crm = crmDeals();
    await writeFiles(dir, {
      [crm.file]: crm.content,
      'salvage.yaml': `job: ./job\nbackup: { url: postgres://127.0.0.1:1/none }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n  crm: { kind: csv, files: [${crm.file}] }\n`,
      'mappings/none.yaml': 'table: none\nrules: []\n',
    });
  });

  it('exit 0, the rejections on stderr and counted on stdout', async () => {
    const result = await salvage(['pull'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/pulled 3 records from 1 source\(s\) into .*; 2 could not be read and were rejected/);
    expect(result.stderr).toContain('crm:   exports/crm-deals.csv:4: csv row: this line is not valid UTF-8');
    expect(result.stderr).toContain('crm:   exports/crm-deals.csv:6-7: csv row: a quoted field opened in the row starting here is never closed');
  });

  it('--strict: the same pull, exit 1', async () => {
    const result = await salvage(['pull', '--strict'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--strict: 2 records could not be read');
  });
});
