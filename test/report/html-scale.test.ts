import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { clickFilter, describeWithChromium, launchChromium, matchingCount, openReport, search, shownIds } from './browser.js';
import { syntheticChangeset } from './fixtures.js';

/**
 * 20k changes keep the suite quick and already catch a report that builds a row per
 * change; SALVAGE_REPORT_SCALE=100000 measures the size the report is designed for.
 */
const CHANGES = Number(process.env.SALVAGE_REPORT_SCALE ?? 20_000);

/**
 * A large report must open and filter at interactive speed: the browser parses the
 * embedded JSON once, filters over typed arrays, and builds DOM for one page only.
 * The bounds are loose (machines differ, CI is shared); the times are printed.
 */
describeWithChromium(`the HTML report with ${CHANGES.toLocaleString('en-US')} changes`, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    [browser, dir] = await Promise.all([launchChromium(), mkdtemp(path.join(os.tmpdir(), 'salvage-scale-'))]);
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('opens, filters and searches without building a row per change', async () => {
    const changeset = syntheticChangeset({ changes: CHANGES });
    let started = performance.now();
    const html = renderHtml(changeset);
    const renderMs = performance.now() - started;

    started = performance.now();
    const report = await openReport(browser, html, dir);
    const openMs = performance.now() - started;
    const { page } = report;
    try {
      const size = (await stat(path.join(dir, 'review.html'))).size;
      expect(await matchingCount(page)).toBe(CHANGES);
      expect(await page.locator('#changes article').count()).toBe(100);
      expect(await page.locator('*').count()).toBeLessThan(10_000);

      started = performance.now();
      await clickFilter(page, 'table', 'public.table_2');
      const filterMs = performance.now() - started;
      expect(await matchingCount(page)).toBe(changeset.changes.filter((c) => c.table === 'public.table_2').length);

      started = performance.now();
      // The last change of table_2 (changes are spread over 4 tables in turn).
      const last = CHANGES - 1 - ((CHANGES - 1 - 2) % 4);
      await search(page, `REF${String(last).padStart(6, '0')}`);
      const firstSearchMs = performance.now() - started;
      expect(await shownIds(page)).toEqual([`public.table_2#${last + 1}`]);

      started = performance.now();
      await search(page, 'customer4242@example.com');
      const searchMs = performance.now() - started;
      expect(await shownIds(page)).toEqual(['public.table_2#4243']);

      console.log(
        `[html report, ${CHANGES.toLocaleString('en-US')} changes] renderHtml ${Math.round(renderMs)} ms, ${(size / 1e6).toFixed(1)} MB; ` +
          `open to first page ${Math.round(openMs)} ms; table filter ${Math.round(filterMs)} ms; ` +
          `first search (builds the index) ${Math.round(firstSearchMs)} ms; next search ${Math.round(searchMs)} ms`,
      );
      expect(openMs).toBeLessThan(15_000);
      expect(filterMs).toBeLessThan(3_000);
      expect(report.requests).toEqual([]);
      expect(report.errors).toEqual([]);
    } finally {
      await report.close();
    }
  });
});
