import { describe, expect, it } from 'vitest';
import { formatCount } from '../../src/runtime/format-count.js';
import { formatCounts } from '../../src/reconcile/reconcile.js';

describe('summary counts', () => {
  it('group thousands with commas, whatever the machine locale', () => {
    expect([0, 999, 1000, 1234567, undefined].map(formatCount)).toEqual(['0', '999', '1,000', '1,234,567', '?']);
  });

  it('read that way in the reconcile summary', () => {
    expect(formatCounts({ insert: 1_000_000, update: 12_345, unchanged: 999, conflict: 1000, unrecoverable: 0 })).toBe(
      '1,000,000 to insert, 12,345 to update, 999 unchanged, 1,000 conflicts, 0 unrecoverable',
    );
  });
});
