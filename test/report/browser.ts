import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';

/**
 * Headless Chromium (Debian's package) for the HTML report's tests. Without it the
 * tests skip, except when CI sets SALVAGE_REQUIRE_SERVICES=1: then they fail.
 */
export const CHROMIUM_PATH = process.env.SALVAGE_CHROMIUM ?? '/usr/bin/chromium';
const required = process.env.SALVAGE_REQUIRE_SERVICES === '1';
const missing = !existsSync(CHROMIUM_PATH);

/** `describe`, skipped when Chromium is missing and not required (the launch then fails the suite). */
export const describeWithChromium = missing && !required ? describe.skip : describe;

export async function launchChromium(): Promise<Browser> {
  if (missing) throw new Error(`Chromium is required (SALVAGE_REQUIRE_SERVICES=1) but ${CHROMIUM_PATH} does not exist: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface OpenedReport {
  page: Page;
  url: string;
  /** Every request other than the report file itself: must stay empty. */
  requests: string[];
  /** Uncaught errors and console errors (a CSP violation is reported there). */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Writes the report to `dir` and opens it from disk, as a reviewer would. Every
 * request is routed: the file itself loads, anything else is recorded and aborted.
 */
export async function openReport(browser: Browser, html: string, dir: string, options: { name?: string; width?: number; height?: number } = {}): Promise<OpenedReport> {
  const file = path.join(dir, options.name ?? 'review.html');
  await writeFile(file, html, 'utf8');
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', async (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  // Also what the router may not see: requests a CSP blocked, web sockets.
  page.on('request', (r) => {
    if (r.url() !== url && !requests.includes(r.url())) requests.push(r.url());
  });
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
  return { page, url, requests, errors, close: () => context.close() };
}

/** The ids of the change cards on screen, in order. */
export async function shownIds(page: Page): Promise<string[]> {
  return page.locator('#changes article.change').evaluateAll((cards) => cards.map((c) => (c as unknown as { dataset: { id: string } }).dataset.id));
}

/** How many changes match the filters (all pages), as the status line reports it. */
export async function matchingCount(page: Page): Promise<number> {
  return Number(await page.locator('#status').getAttribute('data-matching'));
}

/** Clicks a filter chip: group `table`, `kind`, `source` or `disagreed`, chosen by its label. */
export async function clickFilter(page: Page, group: string, label: string): Promise<void> {
  await page.locator(`button.chip[data-filter="${group}"]`, { hasText: label }).first().click();
}

/** The count a filter chip shows. */
export async function chipCount(page: Page, group: string, label: string): Promise<number> {
  const text = await page.locator(`button.chip[data-filter="${group}"]`, { hasText: label }).first().locator('.count').textContent();
  return Number((text ?? '').replace(/,/g, ''));
}

/** Types into the search box and waits until the (debounced) search has been applied. */
export async function search(page: Page, query: string): Promise<void> {
  await page.fill('#search', query);
  await page.locator('#status').and(page.locator(`[data-query="${query.replace(/["\\]/g, '\\$&')}"]`)).waitFor({ timeout: 5_000 });
}
