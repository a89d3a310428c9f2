import { describe, expect, it } from 'vitest';
import { diffLimit, TERMINAL_DIFF_ABOVE, TERMINAL_DIFF_LIMIT } from '../../src/cli/diff-limit.js';
import { renderChangeset } from '../../src/report/render.js';
import { syntheticChangeset } from '../report/fixtures.js';

describe('how many changes a text diff shows', () => {
  const large = TERMINAL_DIFF_ABOVE + 1;

  it('on a terminal, a large changeset shows a few of each kind per table, and says how to see all', () => {
    const cut = diffLimit({ format: 'text', terminal: true, changes: large });
    expect(cut.limit).toBe(TERMINAL_DIFF_LIMIT);
    expect(cut.note).toContain(`${large} changes`);
    expect(cut.note).toContain('salvage diff | less');
    expect(cut.note).toContain('--limit N');
  });

  it('shows everything when redirected, for other formats, for small changesets, and --limit always wins', () => {
    expect(diffLimit({ format: 'text', terminal: false, changes: 1_000_000 })).toEqual({});
    for (const format of ['md', 'html', 'json']) expect(diffLimit({ format, terminal: true, changes: 1_000_000 })).toEqual({});
    expect(diffLimit({ format: 'text', terminal: true, changes: TERMINAL_DIFF_ABOVE })).toEqual({});
    expect(diffLimit({ limit: 5, format: 'text', terminal: true, changes: 1_000_000 })).toEqual({ limit: 5 });
    expect(diffLimit({ limit: 500, format: 'text', terminal: false, changes: 3 })).toEqual({ limit: 500 });
  });

  it('the text diff with that limit lists that many of each kind per table and counts the rest', () => {
    const changeset = syntheticChangeset({ changes: 400, tables: 2 });
    const { limit } = diffLimit({ format: 'text', terminal: true, changes: changeset.changes.length });
    const text = renderChangeset(changeset, 'text', { limit });
    const more = [...text.matchAll(/\.\.\. (\d+) more (\w+)s/g)];
    expect(more.length).toBeGreaterThan(0);
    // Shown plus "more" is every change: nothing is dropped without being counted.
    const counted = more.reduce((n, m) => n + Number(m[1]), 0);
    const shownPerKind = changeset.tables.flatMap((t) =>
      (['insert', 'update', 'conflict', 'unrecoverable'] as const).map((kind) => Math.min(TERMINAL_DIFF_LIMIT, changeset.changes.filter((c) => c.table === t.table && c.kind === kind).length)),
    );
    expect(counted + shownPerKind.reduce((a, b) => a + b, 0)).toBe(changeset.changes.length);
  });
});
