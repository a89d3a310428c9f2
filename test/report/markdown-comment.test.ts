import { describe, expect, it } from 'vitest';
import { PR_COMMENT_MAX_CHARS, PR_SAMPLES_PER_KIND, renderMarkdown } from '../../src/report/markdown.js';
import { syntheticChangeset } from './fixtures.js';

const COMMENT = { limit: PR_SAMPLES_PER_KIND, maxChars: PR_COMMENT_MAX_CHARS };

describe('the Markdown review as a pull-request comment', () => {
  it('puts the summary first, then every conflict, then samples of each table, and points to the full report', () => {
    // Deterministic: table_1 gets all 8 conflicts and 40 updates.
    const md = renderMarkdown(syntheticChangeset({ changes: 400, tables: 2 }), COMMENT);
    const at = (text: string) => md.indexOf(text);
    expect(at('## Summary')).toBeGreaterThan(0);
    expect(at('The full review, every change with its evidence: `salvage diff --format html > review.html`')).toBeGreaterThan(at('## Summary'));
    expect(at('## Conflicts awaiting a decision')).toBeGreaterThan(at('The full review'));
    expect(at('## public.table_0')).toBeGreaterThan(at('## Conflicts awaiting a decision'));
    const conflicts = md.slice(at('## Conflicts awaiting a decision'), at('## public.table_0'));
    expect(conflicts.match(/^#### ⚠ conflict /gm)).toHaveLength(8);
    // Conflicts are not repeated in their table; the other kinds are sampled.
    expect(md.match(/^#### ⚠ conflict /gm)).toHaveLength(8);
    expect(md).toContain('<summary>200 changes: 8 conflicts, 40 updates, 150 inserts, 2 unrecoverable (the conflicts are above)</summary>');
    expect(md).toContain('*… 147 more inserts of public.table_1 (`diff --format html` or `--format json` shows all)*');
    expect(md.match(/^#### /gm)).toHaveLength(8 + 3 + 2 + (3 + 3 + 2));
    expect(md).not.toContain('Not all');
    expect(md.length).toBeLessThan(PR_COMMENT_MAX_CHARS);
  });

  it('stays under 65,536 characters however many changes there are, leaving changes out whole and saying so', () => {
    const changeset = syntheticChangeset({ changes: 20_000 });
    for (const options of [COMMENT, { maxChars: PR_COMMENT_MAX_CHARS }]) {
      const md = renderMarkdown(changeset, options);
      expect(md.length).toBeLessThan(PR_COMMENT_MAX_CHARS);
      expect(md.length).toBeGreaterThan(PR_COMMENT_MAX_CHARS - 10_000);
      expect(md.trimEnd().split('\n').pop()).toBe(
        '**Not all 20,000 changes fit in one comment.** The full review, every change with its evidence: `salvage diff --format html > review.html` (one self-contained page), or `salvage diff > changes.txt`.',
      );
      // No change is cut in the middle: every one shown ends with its evidence list.
      const blocks = md.split(/^#### /m).slice(1);
      for (const block of blocks.slice(0, -1)) expect(block).toMatch(/Evidence:\n\n(\d+\. .*\n)+/);
    }
  });

  it('is unchanged without a budget: every change, as before', () => {
    const changeset = syntheticChangeset({ changes: 400, tables: 2 });
    expect(renderMarkdown(changeset).match(/^#### /gm)).toHaveLength(400);
    expect(renderMarkdown(changeset)).not.toContain('Conflicts awaiting a decision');
  });
});

describe('records not used', () => {
  it('show what each sample is about beside its reference, in every format', async () => {
    const { renderChangeset } = await import('../../src/report/render.js');
    const changeset = syntheticChangeset({ changes: 4 });
    changeset.unmapped = [
      {
        source: 'inbox',
        type: 'email.message',
        count: 1234,
        samples: ['imap://inbox/INBOX;UIDVALIDITY=1/;UID=7', 'imap://inbox/INBOX;UIDVALIDITY=1/;UID=9'],
        gists: ['subject: Newsletter | <b>March</b> · date: 2026-03-01', 'subject: Invoice 42'],
      },
    ];
    const md = renderChangeset(changeset, 'md');
    expect(md).toContain(
      '| inbox | email.message | 1,234 | <code>imap://inbox/INBOX;UIDVALIDITY=1/;UID=7</code> subject: Newsletter \\| &lt;b&gt;March&lt;/b&gt; · date: 2026-03-01<br><code>imap://inbox/INBOX;UIDVALIDITY=1/;UID=9</code> subject: Invoice 42 |',
    );
    const text = renderChangeset(changeset, 'text');
    expect(text).toContain(
      'unmapped: 1,234 email.message records of inbox matched no rule, e.g.\n  imap://inbox/INBOX;UIDVALIDITY=1/;UID=7  subject: Newsletter | <b>March</b> · date: 2026-03-01\n  imap://inbox/INBOX;UIDVALIDITY=1/;UID=9  subject: Invoice 42\n',
    );
    const html = renderChangeset(changeset, 'html');
    expect(html).toContain('<td>1,234</td><td><code>imap://inbox/INBOX;UIDVALIDITY=1/;UID=7</code> subject: Newsletter | &lt;b&gt;March&lt;/b&gt; · date: 2026-03-01<br>');
    // A changeset written before gists existed still renders, with the references alone.
    delete changeset.unmapped[0]!.gists;
    expect(renderChangeset(changeset, 'text')).toContain('e.g.\n  imap://inbox/INBOX;UIDVALIDITY=1/;UID=7\n');
  });
});
