import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { collapseBlankLines, renderMarkdown } from '../../src/report/markdown.js';
import { seededRandom } from '../fakes/stripe/random.js';
import { mdText } from '../../src/report/markdown-escape.js';
import { DIFF_FORMATS, renderChangeset } from '../../src/report/render.js';
import { hostileChangeset, syntheticChangeset } from './fixtures.js';

/** Pipes that end a GFM table cell: those not escaped by a backslash. */
function cellSeparators(line: string): number {
  let count = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') count++;
  }
  return count;
}

/** Consecutive lines starting with `|`: one GFM table each. */
function tables(md: string): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(line);
    else if (current) {
      out.push(current);
      current = undefined;
    }
  }
  if (current) out.push(current);
  return out;
}

/** The row of the table whose first cell is `column`. */
function row(md: string, column: string): string {
  const found = md.split('\n').find((l) => l.startsWith(`| ${column} |`));
  if (!found) throw new Error(`no row for ${column}`);
  return found;
}

describe('renderMarkdown: hostile values cannot break out', () => {
  const md = renderMarkdown(hostileChangeset());

  it('keeps every table row as wide as its header, whatever the values hold', () => {
    const blocks = tables(md);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) {
      const width = cellSeparators(block[0]!);
      for (const line of block) expect({ line, cells: cellSeparators(line) }).toEqual({ line, cells: width });
    }
    expect(row(md, 'email')).toContain('<code>a \\| b \\|\\| c</code>');
    expect(row(md, 'weird\\|&lt;i&gt;column&lt;/i&gt;')).toContain('<code>x</code>');
  });

  it('lets no HTML from the data through: the only tags are the report\'s own', () => {
    const tags = new Set([...md.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]));
    expect([...tags].sort()).toEqual(['br', 'code', 'details', 'summary']);
    expect(md).not.toContain('<!--');
    expect(row(md, 'full_name')).toContain('&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;');
    expect(row(md, 'img')).toContain('&lt;img src="http://evil.example/pixel.png" onerror="window.pwned=2"&gt;');
    expect(md).toContain('# salvage changeset: shop&lt;script&gt;');
  });

  it('keeps a value with newlines on its row, with the line breaks visible', () => {
    expect(row(md, 'bio')).toContain('<code>first line↵<br>second line↵<br>third</code>');
    expect(md.split('\n').some((l) => l.startsWith('second line'))).toBe(false);
  });

  it('escapes code spans, emphasis, links, images and math', () => {
    expect(row(md, 'note')).toContain('run \\`rm -rf /\\` or \\`\\`\\`js↵<br>code↵<br>\\`\\`\\`');
    expect(row(md, 'md')).toContain('\\*\\*bold\\*\\* \\_em\\_ \\[link\\](javascript:alert(1)) !\\[img\\](http://evil.example/x.png) \\$x^2\\$ \\~\\~gone\\~\\~');
    // Every backtick in the report is escaped: none can open a code span.
    expect(md.replace(/\\\\|\\`/g, '')).not.toContain('`');
    // Underscores inside identifiers stay readable (they cannot start emphasis there).
    expect(md).toContain('| created_at ⚖ |');
  });

  it('passes emoji through and shows what would be invisible', () => {
    expect(row(md, 'nick')).toContain('<code>🛶 Kayak für 2 ✓</code>');
    expect(row(md, 'file')).toContain('<code>invoice⟨U+202E⟩fdp.exe</code>');
    expect(row(md, 'padded')).toContain('<code>␠␠padded␠␠</code>');
    expect(mdText('tab\there\u200b')).toBe('tab⇥here⟨U+200B⟩');
  });

  it('tells NULL, the empty string and the text "NULL" apart', () => {
    expect(row(md, 'missing')).toContain('| *NULL* |');
    expect(row(md, 'empty')).toContain('| *empty string* |');
    expect(row(md, 'literal')).toContain('| <code>NULL</code> |');
  });

  it('renders columns named like members of every object', () => {
    expect(row(md, 'constructor')).toBe('| constructor | <code>c</code> |  |');
    expect(row(md, 'toString')).toBe('| toString | <code>t</code> |  |');
    expect(row(md, '\\_\\_proto\\_\\_')).toBe('| \\_\\_proto\\_\\_ | <code>p</code> |  |');
  });
});

describe('renderMarkdown: what a reviewer reads', () => {
  const md = renderMarkdown(hostileChangeset());

  it('starts with the window and a summary per table, with totals and what needs attention', () => {
    expect(md).toContain('- **Window**: 2026-01-20T00:00:00.000Z → 2026-04-25T09:00:00.000Z');
    expect(md).toContain('| table | insert | update | conflict | unrecoverable | unchanged |');
    expect(md).toContain('| public.customers | 1 | 0 | 0 | 0 | 5 |');
    expect(md).toContain('| public.bookings | 0 | 1 | 1 | 1 | 7 |');
    expect(md).toContain('| **total** | **1** | **1** | **1** | **1** | **12** |');
    expect(md).toContain('**1 conflict wait for a decision**');
    expect(md).toContain('**1 row cannot be rebuilt**');
  });

  it('lists records no rule used and values no transform could convert', () => {
    expect(md).toContain('| calendar | calendar.event | 4 | <code>file://exports/calendar.ics#uid=lunch\\|&lt;i&gt;x&lt;/i&gt;</code> |');
    expect(md).toContain('A transform could not convert a value 2 times (the first 1 shown)');
    expect(md).toContain('| payments.yaml#charge | amount | <code>file://exports/payments.csv#L5</code> | not a decimal: "12,5\\|0" |');
  });

  it('shows an insert\'s values with the records and rules behind each', () => {
    expect(row(md, 'full_name')).toMatch(/\| 1, 2 \|$/);
    expect(md).toContain('1. **payments** <code>file://exports/payments.csv#L2</code> by rule customers.yaml#card-payer');
    expect(md).toContain('2. **calendar** <code>file://exports/calendar.ics#uid=booking-7@x</code> by rule customers.yaml#attendee');
    expect(md).toContain('3. **payments** <code>file://exports/payments.csv#L9&lt;/script&gt;&lt;script&gt;window.pwned=3&lt;/script&gt;</code> (record L9) by rule bookings.yaml#&lt;b&gt;rule&lt;/b&gt;\\|x');
    expect(md).toContain('- left to the database (default or NULL): phone');
    expect(md).toContain('- note: a note with &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('says which value won a disagreement, by which policy, and what the others said', () => {
    expect(md).toContain(
      '- ⚖ **created_at**: sources disagreed; chose <code>2026-02-01 10:00:00+00</code> by prefer: calendar &gt; payments; payments said <code>2026-02-01 10:04:00+00</code> (1)',
    );
  });

  it('puts an update\'s old and new values side by side', () => {
    expect(md).toContain('#### ～ update public.bookings#42');
    expect(md).toContain('| column | backup now | after the patch | from |');
    expect(row(md, 'status')).toBe('| status | <code>confirmed</code> | <code>cancelled</code> | 1 |');
    expect(row(md, 'total')).toBe('| total | <code>120.00</code> | <code>90.00</code> | 2 |');
  });

  it('lists each alternative of a conflict with its sources, and says it is not written', () => {
    const section = md.slice(md.indexOf('#### ⚠ conflict public.bookings#43'));
    expect(section).toContain('**Not written until decided**');
    expect(section).toContain('| **total** | <code>100.00</code> | <code>150.00</code> | 1 |');
    expect(section).toContain('|  |  | <code>&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;</code> | 3 |');
    expect(section).toContain('What the sources agree on:');
  });

  it('gives the reason a row cannot be rebuilt', () => {
    expect(md).toContain('#### ✕ unrecoverable public.bookings@reference=&lt;/script&gt;');
    expect(md).toContain('**Cannot be rebuilt** (its parent row cannot be found or rebuilt): customer_id: no customers row with email &lt;script&gt;');
    expect(md.slice(md.indexOf('#### ✕ unrecoverable'))).toContain('| reference | <code>ZZ9\\|9</code> | 1 |');
  });

  it('shows a change\'s confidence score, two decimals, with its reasons escaped, first among its remarks', () => {
    const lines = md.split('\n');
    const after = (line: string, count: number) => lines.slice(lines.indexOf(line), lines.indexOf(line) + count);
    // The insert: after its values table, before the disagreement it explains.
    expect(after('| created_at ⚖ | <code>2026-02-01 10:00:00+00</code> | 2 |', 4)).toEqual([
      '| created_at ⚖ | <code>2026-02-01 10:00:00+00</code> | 2 |',
      '',
      '- confidence **0.70**: a new row; its key comes from a source; 2 independent sources agree (calendar, payments); sources disagreed on created_at (a rule chose)',
      '- ⚖ **created_at**: sources disagreed; chose <code>2026-02-01 10:00:00+00</code> by prefer: calendar &gt; payments; payments said <code>2026-02-01 10:04:00+00</code> (1)',
    ]);
    // The update: a hostile column name in a reason stays text and keeps the line whole.
    expect(after('| total | <code>120.00</code> | <code>90.00</code> | 2 |', 5)).toEqual([
      '| total | <code>120.00</code> | <code>90.00</code> | 2 |',
      '',
      '- confidence **0.80**: matched the backup row by reference + weird\\|&lt;i&gt;column&lt;/i&gt;; 2 independent sources agree (calendar, payments)',
      '',
      'Evidence:',
    ]);
    // A change without a score gets no line: the conflict and the unrecoverable row.
    expect(lines.filter((l) => l.startsWith('- confidence '))).toHaveLength(2);
  });

  it('shows a score without reasons as the number alone', () => {
    const changeset = hostileChangeset();
    changeset.changes = [{ ...changeset.changes[1]!, confidence: { score: 1, reasons: [] } }];
    expect(renderMarkdown(changeset).split('\n')).toContain('- confidence **1.00**');
  });

  it('orders a table\'s changes by what needs attention: conflicts, updates, inserts, unrecoverable', () => {
    const at = (s: string) => md.indexOf(s);
    expect(at('conflict public.bookings#43')).toBeLessThan(at('update public.bookings#42'));
    expect(at('update public.bookings#42')).toBeLessThan(at('unrecoverable public.bookings@'));
  });
});

describe('renderMarkdown: large changesets', () => {
  it('opens small tables and collapses large ones, and can cap the changes shown', () => {
    // The synthetic changeset is deterministic: table_1 gets every conflict and update.
    const md = renderMarkdown(syntheticChangeset({ changes: 400, tables: 2 }), { limit: 3 });
    expect(md).toContain('<details>\n<summary>200 changes: 198 inserts, 2 unrecoverable</summary>');
    expect(md).toContain('<details>\n<summary>200 changes: 8 conflicts, 40 updates, 150 inserts, 2 unrecoverable</summary>');
    expect(md).toContain('*… 147 more inserts of public.table_1 (`diff --format html` or `--format json` shows all)*');
    expect(md.match(/^#### /gm)).toHaveLength(3 + 2 + (3 + 3 + 3 + 2));
    expect(renderMarkdown(hostileChangeset())).toContain('<details open>\n<summary>3 changes: 1 conflict, 1 update, 1 unrecoverable</summary>');
  });

  // Linear, not fast: ten times the changes may take at most thirty times as long (quadratic
  // work would take a hundred), measured in one process so a busy machine slows both alike.
  it('renders 20,000 changes in time linear in their number', () => {
    const time = (changes: number) => {
      const changeset = syntheticChangeset({ changes });
      const started = performance.now();
      const md = renderMarkdown(changeset);
      const ms = performance.now() - started;
      expect(md.match(/^#### /gm)).toHaveLength(changes);
      return ms;
    };
    time(2_000); // warm-up: the first run pays for compiling the renderer
    const small = Math.min(time(2_000), time(2_000));
    expect(time(20_000)).toBeLessThan(30 * Math.max(small, 20));
  });
});

describe('diff formats', () => {
  it('registers md and html next to text and json', () => {
    expect([...DIFF_FORMATS]).toEqual(['text', 'md', 'html', 'json']);
    const changeset = hostileChangeset();
    expect(renderChangeset(changeset, 'md')).toBe(renderMarkdown(changeset));
    expect(renderChangeset(changeset, 'html')).toMatch(/^<!doctype html>/);
    expect(JSON.parse(renderChangeset(changeset, 'json'))).toEqual(changeset);
    expect(() => renderChangeset(changeset, 'pdf')).toThrow(UsageError);
  });
});

describe('collapseBlankLines: the Markdown report a line at a time', () => {
  it('makes of any lines what join, the blank-line collapse and trimEnd make of the whole text (3,000 seeded cases)', () => {
    const kinds = ['', '', '', ' ', '  ', 'a', 'b  ', ' c', '\t'];
    for (let seed = 1; seed <= 3000; seed++) {
      const random = seededRandom(seed);
      const lines = Array.from({ length: Math.floor(random() * 14) }, () => kinds[Math.floor(random() * kinds.length)] as string);
      const whole = lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd();
      expect([...collapseBlankLines(lines)].join('\n'), JSON.stringify(lines)).toBe(whole);
    }
  });
});
