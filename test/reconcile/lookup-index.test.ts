import { describe, expect, it } from 'vitest';
import { LookupIndex } from '../../src/reconcile/lookup-index.js';

function index(): LookupIndex {
  const i = new LookupIndex('public.patients', 'email', 'id');
  for (const key of ['a@x', 'b@x', 'c@x']) i.requested.add(key);
  return i;
}

describe('LookupIndex', () => {
  it('resolves a natural key one row has to that row', () => {
    const i = index();
    i.set('a@x', { value: '1' });
    expect(i.resolve('a@x')).toEqual({ value: '1' });
    expect(i.resolve('b@x')).toEqual({ reason: 'no public.patients row with email = "b@x" in the backup or among the recovered rows' });
  });

  it('never picks between two backup rows with one value, and names both', () => {
    const i = index();
    i.set('a@x', { value: '1' });
    i.set('a@x', { value: '2' });
    expect(i.resolve('a@x')).toEqual({
      reason: 'email = "a@x" matches 2 public.patients rows (id 1 in the backup; id 2 in the backup); salvage does not pick one: fix the duplicate, or look the parent up by a column that tells them apart',
    });
  });

  it('one backup row seen twice is one row', () => {
    const i = index();
    i.set('a@x', { value: '1' });
    i.set('a@x', { value: '1' });
    expect(i.resolve('a@x')).toEqual({ value: '1' });
  });

  it('a rebuilt row that updates the backup row replaces it; a new rebuilt row is a second row', () => {
    const i = index();
    i.set('a@x', { value: '1' });
    i.set('a@x', { value: '1' }, { row: 'public.patients#1', replaces: '1' });
    expect(i.resolve('a@x')).toEqual({ value: '1' });
    i.set('b@x', { value: '2' });
    i.set('b@x', { value: '9' }, { row: 'public.patients#9' });
    expect(i.resolve('b@x')).toMatchObject({ reason: expect.stringContaining('(id 2 in the backup; public.patients#9, rebuilt in this run)') });
  });

  it('a rebuilt row that replaces one of two backup rows leaves the other: still ambiguous', () => {
    const i = index();
    i.set('a@x', { value: '1' });
    i.set('a@x', { value: '2' });
    i.set('a@x', { value: '1' }, { row: 'public.patients#1', replaces: '1' });
    expect(i.resolve('a@x')).toMatchObject({ reason: expect.stringContaining('matches 2 public.patients rows (id 2 in the backup; public.patients#1, rebuilt in this run)') });
  });

  it('a row that cannot be had says why, alone or beside another row', () => {
    const i = index();
    i.set('c@x', { reason: 'the public.patients row public.patients@email=c@x is a conflict awaiting review' }, { row: 'public.patients@email=c@x' });
    expect(i.resolve('c@x')).toEqual({ reason: 'the public.patients row public.patients@email=c@x is a conflict awaiting review' });
    i.set('c@x', { value: '3' });
    expect(i.resolve('c@x')).toMatchObject({ reason: expect.stringContaining('(the public.patients row public.patients@email=c@x is a conflict awaiting review; id 3 in the backup)') });
  });

  it('once filled, lets the requested keys go, keeps what it found, and takes no more rows', () => {
    const i = new LookupIndex('public.customers', 'email', 'id');
    i.requested.add("o'brien@x");
    i.requested.add('never-found@x');
    expect(i.wants("o'brien@x")).toBe(true);
    i.set("o'brien@x", { value: '7' });
    i.filled();
    expect(i.requested.size).toBe(0);
    expect(i.resolve("o'brien@x")).toEqual({ value: '7' });
    expect([i.wants("o'brien@x"), i.wants('never-found@x')]).toEqual([false, false]);
    expect(i.resolve('never-found@x')).toMatchObject({ reason: expect.stringContaining('no public.customers row') });
  });
});
