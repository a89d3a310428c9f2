import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SortedByText } from '../../src/runtime/sorted-by-text.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sorter(runEntries?: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'salvage-sorted-'));
  dirs.push(dir);
  return { dir, sorted: new SortedByText((n) => path.join(dir, `run-${n}`), runEntries) };
}

/** What a stable sort of every (text, value) by `<` on the texts gives. */
function expectedOrder(entries: Array<[string, number]>): number[] {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

// Texts where `<` (UTF-16 code units) and code point order differ, ties, and what a line format could break on.
const HOSTILE = ["O'Brien", 'back\\slash', 'NUL \u0000 inside', 'emoji 🚣‍♀️', '\uffff private', '"quoted"', 'line\nbreak', 'tab\there', 'select', '', 'public.payments#10', 'public.payments#9'];

function entriesOf(count: number): Array<[string, number]> {
  return Array.from({ length: count }, (_, i) => [i % 5 === 0 ? (HOSTILE[i % HOSTILE.length] as string) : `public.payments#${(i * 7919) % 1000}`, i]);
}

describe('SortedByText', () => {
  it('gives the values in the order of their texts, ties in the order added, in memory', () => {
    const { dir, sorted } = sorter();
    const entries = entriesOf(500);
    for (const [text, value] of entries) sorted.add(text, value);
    expect([...sorted.ordered()]).toEqual(expectedOrder(entries));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives the same order from sorted runs in files, and removes them once read', () => {
    const { dir, sorted } = sorter(7);
    const entries = entriesOf(500);
    for (const [text, value] of entries) sorted.add(text, value);
    expect(sorted.size).toBe(500);
    expect(readdirSync(dir).length).toBe(Math.floor(500 / 7));
    expect([...sorted.ordered()]).toEqual(expectedOrder(entries));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is read once, and remove() takes the runs of work abandoned before reading', () => {
    const { dir, sorted } = sorter(2);
    for (const [text, value] of entriesOf(9)) sorted.add(text, value);
    expect(readdirSync(dir).length).toBe(4);
    sorted.remove();
    expect(readdirSync(dir)).toEqual([]);
    const again = sorter(2).sorted;
    again.add('b', 1);
    again.add('a', 2);
    again.add('c', 3);
    expect([...again.ordered()]).toEqual([2, 1, 3]);
    expect(() => [...again.ordered()]).toThrow(/read once/);
  });

  it('refuses a run file cut short, naming it', () => {
    const { dir, sorted } = sorter(3);
    for (const [text, value] of entriesOf(7)) sorted.add(text, value);
    const run = path.join(dir, 'run-0');
    expect(existsSync(run)).toBe(true);
    // Cut the first run in the middle of its last entry.
    truncateSync(run, statSync(run).size - 2);
    expect(() => [...sorted.ordered()]).toThrow(/run-0 ends in the middle of an entry/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
