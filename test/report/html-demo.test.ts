import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';
import type { Changeset } from '../../src/changeset/changeset.js';
import { renderHtml } from '../../src/report/html.js';
import { tempJobDir } from '../support/flow.js';
import { runCli } from '../support/cli.js';
import { chipCount, clickFilter, describeWithChromium, launchChromium, matchingCount, openReport, search, shownIds, type OpenedReport } from './browser.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

/** The README's screenshot is written only on request; otherwise it goes to the temp dir with the rest. */
const SCREENSHOT_FOR_README = process.env.SALVAGE_WRITE_SCREENSHOT === '1';

describeWithChromium('the HTML report of the sample incident', () => {
  let browser: Browser;
  let job: string;
  let changeset: Changeset;
  let report: OpenedReport;

  beforeAll(async () => {
    job = await tempJobDir('review');
    // `salvage demo` on embedded PostgreSQL: the real changeset a reviewer would see.
    [browser] = await Promise.all([launchChromium(), runDemo({ kinds: SOURCE_KINDS, jobDir: path.join(job, 'case') })]);
    changeset = JSON.parse(await readFile(path.join(job, 'case', 'changeset.json'), 'utf8')) as Changeset;
    report = await openReport(browser, renderHtml(changeset), job, { width: 1280, height: 1360 });
  });
  afterAll(async () => {
    await report?.close();
    await browser?.close();
    if (job) await rm(job, { recursive: true, force: true });
  });

  const count = (where: (c: Changeset['changes'][number]) => boolean) => changeset.changes.filter(where).length;

  it('counts every table and kind as the changeset does', async () => {
    const { page } = report;
    expect(await matchingCount(page)).toBe(changeset.changes.length);
    for (const t of changeset.tables) {
      const changes = t.counts.insert + t.counts.update + t.counts.conflict + t.counts.unrecoverable;
      if (changes) expect(await chipCount(page, 'table', t.table)).toBe(changes);
    }
    for (const kind of ['insert', 'update', 'unrecoverable'] as const) expect(await chipCount(page, 'kind', kind)).toBe(count((c) => c.kind === kind));
    for (const s of ['payments', 'calendar']) expect(await chipCount(page, 'source', s)).toBeGreaterThan(0);
  });

  it('finds the booking updates and a booking by its reference', async () => {
    const { page } = report;
    await clickFilter(page, 'table', 'public.bookings');
    await clickFilter(page, 'kind', 'update');
    const updates = changeset.changes.filter((c) => c.table === 'public.bookings' && c.kind === 'update');
    expect(updates.length).toBeGreaterThan(0);
    expect(await shownIds(page)).toEqual(updates.map((c) => c.id));
    const first = updates[0]!;
    const [column, value] = Object.entries(first.values)[0]!;
    const row = page.locator(`article[data-id="${first.id}"] tr[data-column="${column}"]`);
    expect(await row.locator('td.old').textContent()).toBe(first.old?.[column]);
    expect(await row.locator('td.new .v').textContent()).toBe(value);

    await page.click('#reset');
    // A booking found by its reference (the demo's mail export leaves no booking unrecoverable).
    const booking = changeset.changes.find((c) => c.kind === 'insert' && c.values.reference)!;
    await search(page, booking.values.reference!);
    expect(await shownIds(page)).toContain(booking.id);
    await page.click('#reset');
  });

  it('takes the screenshot for the README, having loaded nothing', async () => {
    const { page } = report;
    // The view a reviewer starts from, narrowed to the table with the most kinds of change.
    await clickFilter(page, 'table', 'public.bookings');
    const file = SCREENSHOT_FOR_README ? path.resolve('docs/review-report.png') : path.join(job, 'review-report.png');
    await mkdir(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file });
    expect((await readFile(file)).subarray(1, 4).toString()).toBe('PNG');
    expect(report.requests).toEqual([]);
    expect(report.errors).toEqual([]);
  });

  it('is what `salvage diff --format md|html` prints', async () => {
    // One command at a time: the CLI runs in this process (test/support/cli.ts).
    const diff = (format: string) => runCli(['diff', '--format', format, '--config', path.join(job, 'case', 'salvage.yaml')], process.cwd());
    const md = await diff('md');
    const html = await diff('html');
    expect([md.code, html.code]).toEqual([0, 0]);
    expect(md.stdout).toMatch(/^# salvage changeset: /);
    expect(md.stdout).toContain('| public.bookings |');
    expect(html.stdout).toMatch(/^<!doctype html>/);
    // The same changes as the file rendered here.
    const embedded = /<script id="salvage-data" type="application\/json">([^<]*)<\/script>/.exec(html.stdout)?.[1] ?? '{}';
    expect((JSON.parse(embedded) as { changes: Array<{ id: string }> }).changes.map((c) => c.id).sort()).toEqual(changeset.changes.map((c) => c.id).sort());
  });
});
