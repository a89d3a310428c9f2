import { describe, expect, it } from 'vitest';
import { InsertCandidates } from '../../src/apply/insert-candidates.js';

const DEFAULT = Symbol('DEFAULT');

describe('the rows a file inserts, read in place for the unique-value check', () => {
  it('numbers rows on across statements, and gives null for a cell that gives nothing', () => {
    const rows = new InsertCandidates();
    rows.add(['id', 'email', 'note'], [['1', "O'Brien@x", DEFAULT], ['2', null, 'a\\b']], (cell) => typeof cell === 'string' || cell === null);
    rows.add([], [], () => true);
    const refs = new Set(['id']);
    rows.add(['id', 'email'], [['r1', '😀@x']], (_cell, column) => !refs.has(column));
    expect(rows.length).toBe(3);
    expect([0, 1, 2].map((i) => rows.value(i, 'email'))).toEqual(["O'Brien@x", null, '😀@x']);
    expect(rows.value(0, 'note')).toBeNull();
    expect(rows.value(1, 'note')).toBe('a\\b');
    expect(rows.value(2, 'id')).toBeNull();
    expect(rows.value(2, 'note')).toBeNull();
    expect(rows.row(0)).toEqual({ id: '1', email: "O'Brien@x" });
    expect(rows.row(2)).toEqual({ email: '😀@x' });
  });
});
