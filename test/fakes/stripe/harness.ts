/**
 * What the Stripe connector tests share: a pull window, a PullContext that records
 * logs and checkpoints, and the set of objects a pull must return.
 */
import path from 'node:path';
import type { PullContext, PullWindow } from '../../../src/records/connector.js';
import type { SourceRecord } from '../../../src/records/envelope.js';
import type { Connector } from '../../../src/records/connector.js';
import type { StripeTuning } from '../../../connectors/stripe/index.js';
import type { FakeStripeAccount } from './account.js';
import type { StripeJson } from './shapes.js';

export const WINDOW: PullWindow = {
  from: new Date('2026-01-20T00:00:00Z'),
  to: new Date('2026-04-25T09:00:00Z'),
  since: new Date('2026-01-19T00:00:00Z'),
  horizon: new Date('2027-04-25T09:00:00Z'),
};
/** The pull happens the day after the incident; events reach back 30 days from here. */
export const PULL_NOW = new Date('2026-04-26T08:00:00Z');

/** Looks like a real restricted test key; long enough that a leak is unmistakable. */
export const TEST_KEY = 'rk_test_51PgafTB7WZ01zgkWsEcReTkEy0123456789abcdefXYZ';

/** No real waiting: a high rate and millisecond backoffs. */
export const FAST: StripeTuning = {
  requestsPerSecond: 5000,
  backoffBaseMs: 2,
  now: () => PULL_NOW,
};

export interface RecordingContext extends PullContext {
  logs: string[];
  checkpoints: unknown[];
}

export function pullContext(overrides: Partial<PullContext> = {}): RecordingContext {
  const logs: string[] = [];
  const checkpoints: unknown[] = [];
  return {
    sourceName: 'payments',
    window: WINDOW,
    baseDir: process.cwd(),
    stateDir: path.join(process.cwd(), '.state-unused'),
    observedAt: '2026-04-26T08:00:00.000Z',
    log: (line) => logs.push(line),
    reject: (r) => logs.push(`rejected: ${r.location}: ${r.what}: ${r.reason}`),
    checkpoint: async (state) => {
      checkpoints.push(structuredClone(state));
    },
    previousRecords: async function* () {},
    ...overrides,
    logs,
    checkpoints,
  };
}

export async function collect(connector: Connector, context: PullContext): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of connector.pull(context)) records.push(record);
  return records;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The listed objects of these types created inside the pull window (since..to, both ends included). */
export function objectsInWindow(account: FakeStripeAccount, objectNames: readonly string[], window: PullWindow = WINDOW): StripeJson[] {
  const gte = seconds(window.since);
  const lte = seconds(window.to);
  return objectNames
    .flatMap((name) => account.listed(name))
    .filter((object) => (object.created as number) >= gte && (object.created as number) <= lte);
}

/** `type:id` keys, sorted: two pulls return the same objects exactly when these are equal. */
export function recordKeys(records: readonly { type: string; id: string }[]): string[] {
  return records.map((record) => `${record.type}:${record.id}`).sort();
}

export function objectKeys(objects: readonly StripeJson[]): string[] {
  return objects.map((object) => `stripe.${object.object}:${object.id}`).sort();
}

export function duplicates(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  return keys.filter((key) => (seen.has(key) ? true : (seen.add(key), false)));
}
