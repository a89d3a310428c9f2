import { createHash } from 'node:crypto';
import type { Changeset } from '../changeset/changeset.js';
import { DECISIONS_NEWER_NOTE, viewOfChangeset, type ChangesetHead, type ChangesetView } from './changeset-view.js';
import { reportDataJson } from './html-data.js';
import { REPORT_CLIENT_JS } from './html-client.js';
import { REPORT_CSS } from './html-style.js';
import { htmlText } from './html-text.js';
import { countsTotal, type SummaryRow } from './review-model.js';
import { unreadableBySource } from './markdown.js';

/**
 * The review as ONE self-contained HTML file: it loads nothing (no fonts, CDNs or
 * images by URL), so it can be mailed, attached to a ticket, opened from disk on an
 * air-gapped laptop, and never tells anyone that it was opened.
 *
 * The summary and the ledger are plain HTML (readable without scripts); the changes
 * are embedded as JSON and rendered by the inline script. The Content-Security-Policy
 * allows exactly that script and stylesheet (by hash) and no network at all, so even
 * a value that somehow became markup could neither run nor phone home.
 */
export function renderHtml(changeset: Changeset): string {
  return [...htmlChunks(viewOfChangeset(changeset))].join('');
}

/** renderHtml in pieces, for a changeset of any size: the changes' data is written as it is read. */
export function* htmlChunks(view: ChangesetView): Generator<string> {
  const changeset = view.head;
  // Constant text (quotes included): nothing from the changeset goes into it.
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(REPORT_CLIENT_JS)}'`,
    `style-src '${sha256(REPORT_CSS)}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `salvage review: ${changeset.backup.database}`;
  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${htmlText(title)}</title>
<link rel="icon" href="data:,">
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
${headerHtml(changeset)}
${view.decisionsNewer ? `<p class="explain decision">${htmlText(DECISIONS_NEWER_NOTE)}</p>` : ''}
${summaryHtml(view.summary())}
${ledgerHtml(changeset)}
<section id="toolbar" class="toolbar" aria-label="Filters">
  <input id="search" class="search" type="search" placeholder="Search values, ids, refs, rules…  (press / to focus)" autocomplete="off" spellcheck="false" aria-label="Search">
  <div class="facets">
    <span class="label">table</span><div id="facet-table" class="chips"></div>
    <span class="label">kind</span><div id="facet-kind" class="chips"></div>
    <span class="label">source</span><div id="facet-source" class="chips"></div>
    <span class="label">only</span><div id="facet-disagreed" class="chips"></div>
  </div>
  <div class="status"><span id="status" role="status" aria-live="polite"></span><button id="reset" type="button" class="linkish">clear filters</button></div>
</section>
<noscript><p class="empty-state">The list of changes needs JavaScript; the summary above is complete. <code>salvage diff --format md</code> gives every change without scripts.</p></noscript>
<section id="changes" class="changes" aria-label="Changes"></section>
<button id="more" type="button" class="more" hidden>Show more</button>
</main>
<script id="salvage-data" type="application/json">`;
  for (const piece of reportDataJson(view)) yield escapeForScript(piece);
  yield `</script>
<script>${REPORT_CLIENT_JS}</script>
</body>
</html>
`;
}

/**
 * JSON inside <script> ends at the first `</script`, whatever the JSON says; with
 * every `<` written as `\u003c` no value can end it (or open a comment), and
 * JSON.parse reads the escape back as `<`.
 */
function escapeForScript(json: string): string {
  return json.replace(/</g, '\\u003c');
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function headerHtml(changeset: ChangesetHead): string {
  const w = changeset.window;
  const sources = changeset.sources.map((s) => `${htmlText(s.name)} <span class="muted">${s.records.toLocaleString('en-US')} records</span>`).join(', ');
  return `<header>
<h1>Changeset review: ${htmlText(changeset.backup.database)}</h1>
<dl class="facts">
<dt>backup</dt><dd>${htmlText(changeset.backup.describe)} <span class="muted">(only ever read)</span></dd>
<dt>window</dt><dd>${htmlText(w.from)} → ${htmlText(w.to)} <span class="muted">(records written since ${htmlText(w.since)})</span></dd>
<dt>sources</dt><dd>${sources || 'none'}</dd>
<dt>reconciled</dt><dd>${htmlText(changeset.createdAt)}</dd>
</dl>
${(changeset.warnings ?? []).map((w) => `<p class="warning">⚠ ${htmlText(w)}</p>`).join('\n')}
</header>`;
}

function summaryHtml(summary: SummaryRow[]): string {
  const total = countsTotal(summary);
  const cell = (n: number) => `<td${n === 0 ? ' class="zero"' : ''}>${n.toLocaleString('en-US')}</td>`;
  const rows = summary.map(({ table, counts: c }) =>
    `<tr><td><button type="button" class="linkish" data-show-table="${htmlText(table)}">${htmlText(table)}</button></td>${[c.insert, c.update, c.conflict, c.unrecoverable, c.unchanged].map(cell).join('')}</tr>`,
  );
  const callouts: string[] = [];
  if (total.conflict) {
    callouts.push(`<div class="callout conflict"><strong>${total.conflict.toLocaleString('en-US')} conflict${total.conflict === 1 ? '' : 's'} wait for a decision.</strong> Sources disagree and no rule decides; they are not written until decided.</div>`);
  }
  if (total.unrecoverable) {
    callouts.push(`<div class="callout unrecoverable"><strong>${total.unrecoverable.toLocaleString('en-US')} row${total.unrecoverable === 1 ? '' : 's'} cannot be rebuilt</strong> from what survived; each is listed with the reason.</div>`);
  }
  return `<section aria-label="Summary">
${callouts.length ? `<div class="callouts">${callouts.join('')}</div>` : ''}
<table class="summary" id="summary">
<thead><tr><th>table</th><th>insert</th><th>update</th><th>conflict</th><th>unrecoverable</th><th>unchanged</th></tr></thead>
<tbody>${rows.join('\n')}</tbody>
<tfoot><tr><td>total</td>${[total.insert, total.update, total.conflict, total.unrecoverable, total.unchanged].map(cell).join('')}</tr></tfoot>
</table>
</section>`;
}

/** Records no rule used and values no transform could convert: counted, never dropped silently. */
function ledgerHtml(changeset: ChangesetHead): string {
  const { unmapped, failures } = changeset;
  const unreadable = unreadableBySource(changeset);
  if (!unmapped.length && !failures.count && !unreadable.length) return '';
  const unmappedCount = unmapped.reduce((n, u) => n + u.count, 0);
  const unreadableCount = unreadable.reduce((n, u) => n + u.count, 0);
  const parts: string[] = [];
  if (unreadable.length) {
    parts.push(`<p>Could not be read at pull (each in <code>&lt;job&gt;/rejected/&lt;source&gt;.ndjson</code>):</p><table><thead><tr><th>source</th><th>what</th><th>records</th><th>for example</th></tr></thead><tbody>${unreadable
      .map((u) => `<tr><td>${htmlText(u.source)}</td><td>${htmlText(u.what)}</td><td>${u.count}</td><td><code>${htmlText(u.location)}</code>: ${htmlText(u.reason)}</td></tr>`)
      .join('')}</tbody></table>`);
  }
  if (unmapped.length) {
    parts.push(`<table><thead><tr><th>source</th><th>type</th><th>records</th><th>for example</th></tr></thead><tbody>${unmapped
      .map((u) => `<tr><td>${htmlText(u.source)}</td><td>${htmlText(u.type)}</td><td>${u.count.toLocaleString('en-US')}</td><td>${u.samples.slice(0, 3).map((s, i) => `<code>${htmlText(s)}</code>${u.gists?.[i] ? ` ${htmlText(u.gists[i])}` : ''}`).join('<br>')}</td></tr>`)
      .join('')}</tbody></table>`);
  }
  if (failures.count) {
    const shown = failures.samples.length < failures.count ? ` (the first ${failures.samples.length} shown)` : '';
    parts.push(`<p>A transform could not convert a value ${failures.count} time${failures.count === 1 ? '' : 's'}${shown}; that record produced nothing for that rule.</p>`);
    parts.push(`<table><thead><tr><th>rule</th><th>column</th><th>record</th><th>problem</th></tr></thead><tbody>${failures.samples
      .map((f) => `<tr><td>${htmlText(f.rule)}</td><td>${htmlText(f.column)}</td><td><code>${htmlText(f.ref)}</code></td><td>${htmlText(f.message)}</td></tr>`)
      .join('')}</tbody></table>`);
  }
  const headline = [
    unreadableCount ? `${unreadableCount.toLocaleString('en-US')} could not be read` : '',
    unmappedCount ? `${unmappedCount.toLocaleString('en-US')} record${unmappedCount === 1 ? '' : 's'} matched no rule` : '',
    failures.count ? `${failures.count.toLocaleString('en-US')} value${failures.count === 1 ? '' : 's'} could not be converted` : '',
  ].filter(Boolean).join(' · ');
  return `<details class="ledger" id="ledger"><summary>Records not used: ${headline}</summary>${parts.join('\n')}</details>`;
}
