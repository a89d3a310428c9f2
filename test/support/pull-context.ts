import path from 'node:path';
import type { PullContext, PullWindow } from '../../src/records/connector.js';

/** The sample incident's window: backup 2026-01-20, loss 2026-04-25 09:00, one day of lookback, a year of horizon. */
export const TEST_WINDOW: PullWindow = {
  from: new Date('2026-01-20T00:00:00Z'),
  to: new Date('2026-04-25T09:00:00Z'),
  since: new Date('2026-01-19T00:00:00Z'),
  horizon: new Date('2027-04-25T09:00:00Z'),
};

export const TEST_OBSERVED_AT = '2026-04-26T08:00:00.000Z';

/**
 * A PullContext for driving a connector directly: no resume state, nothing from an
 * earlier pull, checkpoints accepted and dropped. Tests that exercise resume use
 * openRecordsSink as src/pull/pull.ts does instead.
 */
export function testPullContext(sourceName: string, baseDir: string, log: (line: string) => void = () => undefined, overrides: Partial<PullContext> = {}): PullContext {
  return {
    sourceName,
    window: TEST_WINDOW,
    baseDir,
    stateDir: path.join(baseDir, '.state'),
    log,
    // Rejections show in the log, where tests look for warnings too.
    reject: (r) => log(`rejected: ${r.location}: ${r.what}: ${r.reason}`),
    observedAt: TEST_OBSERVED_AT,
    checkpoint: async () => undefined,
    previousRecords: async function* () {},
    ...overrides,
  };
}
