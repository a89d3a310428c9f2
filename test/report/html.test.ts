import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/changeset/changeset.js';
import { buildReportData } from '../../src/report/html-data.js';
import { renderHtml } from '../../src/report/html.js';
import { chipCount, clickFilter, describeWithChromium, launchChromium, matchingCount, openReport, search, shownIds, type OpenedReport } from './browser.js';
import { HOSTILE, hostileChangeset, syntheticChangeset } from './fixtures.js';

const DATA_SCRIPT = /<script id="salvage-data" type="application\/json">([\s\S]*?)<\/script>/;

describe('renderHtml: one self-contained file', () => {
  const changeset = hostileChangeset();
  const html = renderHtml(changeset);

  it('references nothing outside itself', () => {
    const page = html.replace(DATA_SCRIPT, '');
    expect(page.match(/<script\b/g)).toHaveLength(1);
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(page).not.toMatch(/<(img|iframe|object|embed|audio|video|source|base|form)\b/i);
    expect(page).not.toMatch(/url\(|@import/i);
    expect([...page.matchAll(/\b(src|href|action)\s*=\s*"([^"]*)"/gi)].map((m) => m[0])).toEqual(['href="data:,"']);
  });

  it('pins its script and stylesheet by hash and allows no network in its CSP', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('embeds the data so that no value can end its script element', () => {
    expect(html).not.toContain(HOSTILE.breakout);
    expect(html).not.toContain('window.pwned=3</script>');
    const embedded = DATA_SCRIPT.exec(html)?.[1] ?? '';
    expect(embedded).not.toContain('<');
    expect(JSON.parse(embedded)).toEqual(buildReportData(changeset));
  });

  it('escapes what it writes as HTML (title, summary, ledger)', () => {
    expect(html).toContain('<title>salvage review: shop&lt;script&gt;</title>');
    expect(html).toContain('127.0.0.1:5432/shop | &lt;b&gt;backup&lt;/b&gt;');
    expect(html).toContain('<code>file://exports/calendar.ics#uid=lunch|&lt;i&gt;x&lt;/i&gt;</code>');
  });

  it('embeds each change\'s confidence score and reasons as the changeset has them', () => {
    const byId = new Map(buildReportData(changeset).changes.map((c) => [c.id, c]));
    expect(byId.get('public.bookings#42')?.confidence).toEqual({
      score: 0.8,
      reasons: ['matched the backup row by reference + weird|<i>column</i>', '2 independent sources agree (calendar, payments)'],
    });
    expect(byId.get('public.bookings#43')).not.toHaveProperty('confidence');
  });

  it('stores each piece of evidence once and orders the changes as a reviewer reads them', () => {
    const data = buildReportData(changeset);
    expect(data.evidence).toHaveLength(3);
    expect(data.changes.map((c) => c.id)).toEqual(['public.customers#1', 'public.bookings#43', 'public.bookings#42', `public.bookings@reference=${HOSTILE.breakout}`]);
  });
});

describeWithChromium('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp(path.join(os.tmpdir(), 'salvage-report-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One report per group of tests (opening one costs about half a second); after each test it must have loaded nothing and logged no error. */
  function useReport(html: () => string, name: string): () => OpenedReport {
    let report: OpenedReport | undefined;
    beforeAll(async () => {
      report = await openReport(browser, html(), dir, { name });
    });
    afterEach(async () => {
      expect(report?.requests).toEqual([]);
      expect(report?.errors).toEqual([]);
      await report?.page.click('#reset');
    });
    afterAll(async () => {
      await report?.close();
    });
    return () => {
      if (!report) throw new Error(`${name} did not open`);
      return report;
    };
  }

  describe('with hostile values', () => {
    const html = renderHtml(hostileChangeset());
    const report = useReport(() => html, 'hostile.html');
    const value = (column: string) => report().page.locator(`tr[data-column="${column}"] td.value > .v`).first().textContent();

    it('runs none of them and requests nothing, even with its CSP removed', async () => {
      const withoutCsp = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
      expect(withoutCsp).not.toContain('Content-Security-Policy');
      const bare = await openReport(browser, withoutCsp, dir, { name: 'without-csp.html' });
      try {
        for (const { page, requests, errors } of [report(), bare]) {
          expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
          expect(await page.locator('script').count()).toBe(2);
          expect(await page.locator('#changes img, #changes script, #changes b, #changes i, #changes [onerror]').count()).toBe(0);
          expect(await shownIds(page)).toHaveLength(4);
          expect(requests).toEqual([]);
          expect(errors).toEqual([]);
        }
      } finally {
        await bare.close();
      }
    });

    it('shows every value as the exact text it is, with invisible characters made visible', async () => {
      const { page } = report();
      expect(await value('full_name')).toBe(HOSTILE.breakout);
      expect(await value('img')).toBe(HOSTILE.imgOnError);
      expect(await value('email')).toBe(HOSTILE.pipe);
      expect(await value('note')).toBe('run `rm -rf /` or ```js↵\ncode↵\n```');
      expect(await value('bio')).toBe('first line↵\nsecond line↵\nthird');
      expect(await value('nick')).toBe(HOSTILE.emoji);
      expect(await value('file')).toBe('invoice⟨U+202E⟩fdp.exe');
      expect(await value('padded')).toBe('␠␠padded␠␠');
      expect(await value('comment')).toBe(HOSTILE.htmlComment);
      expect(await page.locator('tr[data-column="missing"] .v.null').textContent()).toBe('NULL');
      expect(await page.locator('tr[data-column="empty"] .v.empty').textContent()).toBe('empty string');
      expect(await page.locator('tr[data-column="literal"] .v:not(.null)').textContent()).toBe('NULL');
      expect(await page.locator('tr[data-column="weird|<i>column</i>"] td.col').textContent()).toBe('weird|<i>column</i>');
      expect(await page.title()).toBe('salvage review: shop<script>');
      for (const [column, text] of [['constructor', 'c'], ['toString', 't'], ['__proto__', 'p']]) {
        expect(await page.locator(`tr[data-column="${column}"] td`).allTextContents()).toEqual([column, text, '']);
      }
    });

    it('marks disagreements and conflicts, and shows the ref and rule behind each value', async () => {
      const { page } = report();
      const insert = page.locator('article[data-id="public.customers#1"]');
      expect(await insert.locator('header .tag.warn').textContent()).toBe('⚖ sources disagreed on 1 value');
      const disagreed = insert.locator('tr.disagreed');
      expect(await disagreed.getAttribute('data-column')).toBe('created_at');
      expect(await disagreed.locator('.disagreement').textContent()).toBe('⚖ chosen by prefer: calendar > payments; 1payments said 2026-02-01 10:04:00+00');
      // The chips next to a value carry the record's ref and rule; the list below spells them out.
      expect(await insert.locator('tr[data-column="full_name"] td.from .ev').evaluateAll((chips) => chips.map((c) => (c as unknown as { title: string }).title))).toEqual([
        'payments · file://exports/payments.csv#L2 · rule customers.yaml#card-payer',
        'calendar · file://exports/calendar.ics#uid=booking-7@x · rule customers.yaml#attendee',
      ]);
      expect(await insert.locator('ol.evidence li').allTextContents()).toEqual([
        '1paymentsfile://exports/payments.csv#L2rule customers.yaml#card-payer',
        '2calendarfile://exports/calendar.ics#uid=booking-7@xrule customers.yaml#attendee',
        `3paymentsfile://exports/payments.csv#L9</script><script>window.pwned=3</script>rule bookings.yaml#<b>rule</b>|x`,
      ]);

      const conflict = page.locator('article[data-id="public.bookings#43"]');
      expect(await conflict.getAttribute('class')).toContain('k-conflict');
      expect(await conflict.locator('.explain.conflict').textContent()).toBe('Not written until decided: sources disagree and no rule decides.');
      expect(await conflict.locator('tr.conflicted td.old').textContent()).toBe('100.00');
      expect(await conflict.locator('tr.conflicted .alternative').allTextContents()).toEqual(['150.001payments', `${HOSTILE.breakout}3payments`]);
      // Its decision beside it: none yet, and the id to decide it by.
      expect(await conflict.locator('.explain.decision').textContent()).toBe('decision: open; decide with salvage review, or in decisions.yaml under resolve: or reject: as public.bookings#43');

      const update = page.locator('article[data-id="public.bookings#42"]');
      expect(await update.locator('thead th').allTextContents()).toEqual(['column', 'backup now', 'after the patch', 'from']);
      expect(await update.locator('tr[data-column="status"] td').allTextContents()).toEqual(['status', 'confirmed', 'cancelled', '1calendar']);

      const lost = page.locator('article.k-unrecoverable');
      expect(await lost.locator('.explain.unrecoverable').textContent()).toBe(
        'Cannot be rebuilt (its parent row cannot be found or rebuilt): customer_id: no customers row with email <script>alert(1)</script>',
      );
    });

    it('shows the confidence score in the header and its reasons with the remarks, on the right card', async () => {
      const { page } = report();
      const update = page.locator('article[data-id="public.bookings#42"]');
      expect(await update.locator('header .tag.confidence').textContent()).toBe('confidence 0.80');
      // The hostile column name in a reason is text, not markup.
      expect(await update.locator('ul.remarks li').allTextContents()).toEqual([
        'Confidence 0.80: matched the backup row by reference + weird|<i>column</i>; 2 independent sources agree (calendar, payments)',
      ]);
      expect(await update.locator('ul.remarks i').count()).toBe(0);

      const insert = page.locator('article[data-id="public.customers#1"]');
      expect(await insert.locator('header .tag').allTextContents()).toEqual(['⚖ sources disagreed on 1 value', 'confidence 0.70']);
      expect(await insert.locator('ul.remarks li').allTextContents()).toEqual([
        'Confidence 0.70: a new row; its key comes from a source; 2 independent sources agree (calendar, payments); sources disagreed on created_at (a rule chose)',
        'Left to the database (default or NULL): phone',
        'a note with <script>alert(1)</script>',
      ]);

      // No score, no confidence shown: the conflict and the unrecoverable row.
      expect(await page.locator('article.k-conflict .confidence, article.k-unrecoverable .confidence').count()).toBe(0);
      expect(await page.locator('#changes .tag.confidence').count()).toBe(2);
    });

    it('finds changes by the reasons of their score', async () => {
      const { page } = report();
      await search(page, 'independent sources agree');
      expect(await shownIds(page)).toEqual(['public.customers#1', 'public.bookings#42']);
      await search(page, 'backup row by reference');
      expect(await shownIds(page)).toEqual(['public.bookings#42']);
    });

    it('finds hostile text by search without running it', async () => {
      const { page } = report();
      await search(page, '</script>');
      expect(await shownIds(page)).toEqual(['public.customers#1', 'public.bookings#43', `public.bookings@reference=${HOSTILE.breakout}`]);
      expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
    });
  });

  describe('filters, search and pages', () => {
    const changeset = syntheticChangeset({ changes: 1_000 });
    const report = useReport(() => renderHtml(changeset), 'filters.html');
    const sourcesOf = (c: Change) => new Set(Object.values(c.evidence).flat().map((e) => e.source));
    const expected = (where: (c: Change) => boolean) => changeset.changes.filter(where);

    it('shows the first page, and more on request', async () => {
      const { page } = report();
      expect(await matchingCount(page)).toBe(1_000);
      expect(await shownIds(page)).toHaveLength(100);
      expect(await page.locator('#status').textContent()).toBe('Showing 100 of 1,000 changes');
      await page.click('#more');
      expect(await shownIds(page)).toHaveLength(200);
      expect(await page.locator('#more').textContent()).toBe('Show 100 more');
    });

    it('filters by table, kind and source, with counts that follow the other filters', async () => {
      const { page } = report();
      const inTable = (c: Change) => c.table === 'public.table_3';
      await clickFilter(page, 'table', 'public.table_3');
      expect(await matchingCount(page)).toBe(expected(inTable).length);
      expect(await chipCount(page, 'kind', 'update')).toBe(expected((c) => inTable(c) && c.kind === 'update').length);
      expect(await chipCount(page, 'kind', 'insert')).toBe(expected((c) => inTable(c) && c.kind === 'insert').length);

      await clickFilter(page, 'kind', 'update');
      await clickFilter(page, 'kind', 'conflict');
      const updatesOrConflicts = expected((c) => inTable(c) && (c.kind === 'update' || c.kind === 'conflict'));
      expect(await matchingCount(page)).toBe(updatesOrConflicts.length);
      // Shown in review order: the table's conflicts, then its updates.
      expect(await shownIds(page)).toEqual(
        [...updatesOrConflicts.filter((c) => c.kind === 'conflict'), ...updatesOrConflicts.filter((c) => c.kind === 'update')].map((c) => c.id),
      );
      expect(await page.locator('#changes article.k-insert').count()).toBe(0);

      await clickFilter(page, 'source', 'refunds');
      const withRefunds = updatesOrConflicts.filter((c) => sourcesOf(c).has('refunds'));
      expect(withRefunds.length).toBeGreaterThan(0);
      expect(await matchingCount(page)).toBe(withRefunds.length);
      expect(await chipCount(page, 'source', 'payments')).toBe(updatesOrConflicts.filter((c) => sourcesOf(c).has('payments')).length);

      await clickFilter(page, 'source', 'refunds'); // off again
      await clickFilter(page, 'disagreed', 'sources disagreed');
      expect(await matchingCount(page)).toBe(updatesOrConflicts.filter((c) => c.disagreements).length);

      await page.click('#reset');
      expect(await matchingCount(page)).toBe(1_000);
      expect(await page.locator('button.chip[aria-pressed="true"]').count()).toBe(0);
    });

    it('searches values, ids, refs and rules, and combines search with filters', async () => {
      const { page } = report();
      await search(page, 'REF000123');
      expect(await shownIds(page)).toEqual(['public.table_3#124']);
      await search(page, 'customer77@example.com');
      expect(await shownIds(page)).toEqual(['public.table_1#78']);
      await search(page, 'exports/calendar.ics#uid=booking-500@fjord');
      expect(await shownIds(page)).toEqual(['public.table_0#501']);
      await search(page, 'table_2.yaml#refund');
      expect(await matchingCount(page)).toBe(expected((c) => c.table === 'public.table_2' && sourcesOf(c).has('refunds')).length);
      // Terms combine: every word must match somewhere in the change.
      await search(page, 'cancelled table_2.yaml#refund');
      expect(await matchingCount(page)).toBe(expected((c) => c.table === 'public.table_2' && sourcesOf(c).has('refunds') && c.values.status === 'cancelled').length);
      await clickFilter(page, 'kind', 'insert');
      expect(await matchingCount(page)).toBe(
        expected((c) => c.table === 'public.table_2' && sourcesOf(c).has('refunds') && c.values.status === 'cancelled' && c.kind === 'insert').length,
      );
      await search(page, 'no such thing anywhere');
      expect(await page.locator('.empty-state').textContent()).toBe('No change matches these filters.');
      expect(await page.locator('#more').isHidden()).toBe(true);
    });

    it('filters to a table from the summary', async () => {
      const { page } = report();
      await page.click('button[data-show-table="public.table_2"]');
      expect(await matchingCount(page)).toBe(expected((c) => c.table === 'public.table_2').length);
      const tables = await page.locator('#changes article').evaluateAll((cards) => cards.map((c) => (c as unknown as { dataset: { table: string } }).dataset.table));
      expect(new Set(tables)).toEqual(new Set(['public.table_2']));
    });
  });

  describe('with no changes', () => {
    const report = useReport(() => renderHtml(syntheticChangeset({ changes: 0 })), 'empty.html');
    it('says so calmly', async () => {
      expect(await report().page.locator('.empty-state').textContent()).toBe('This changeset has no changes.');
    });
  });
});
