import { describe, expect, it } from 'vitest';
import { LIVE_BATCH_MAX, LIVE_BATCH_MIN, liveBatchSize } from '../../src/reconcile/live-batch-size.js';

describe('how many changes go to the live target per round trip', () => {
  it('is small for a target on the same machine, where a round trip is a fraction of a millisecond', () => {
    expect(LIVE_BATCH_MIN).toBe(250);
    expect(liveBatchSize(0)).toBe(250);
    expect(liveBatchSize(0.2)).toBe(250);
    expect(liveBatchSize(2.4)).toBe(250);
  });

  it('grows with the round trip, so that reads across a network stay hidden behind the merge', () => {
    expect(liveBatchSize(2.5)).toBe(500);
    expect(liveBatchSize(10)).toBe(1250);
    expect(liveBatchSize(31)).toBe(3250);
  });

  it('stops at the largest batch however slow the link, and reads nonsense as the smallest or the largest', () => {
    expect(LIVE_BATCH_MAX).toBe(4000);
    expect(liveBatchSize(200)).toBe(4000);
    expect(liveBatchSize(Number.POSITIVE_INFINITY)).toBe(4000);
    expect(liveBatchSize(Number.NaN)).toBe(4000);
    expect(liveBatchSize(-3)).toBe(250);
  });
});
