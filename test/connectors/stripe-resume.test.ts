/**
 * An interrupted Stripe pull resumes from what is already in <job>/records/: the
 * same driving code as `salvage pull` (openRecordsSink + the connector's
 * checkpoints), killed after N records, then run again.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stripeConnector, type StripeTuning } from '../../connectors/stripe/index.js';
import { openRecordsSink, readRecordsFile } from '../../src/records/ndjson.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { buildBusiness, startFakeStripe, type FakeStripeServer } from '../fakes/stripe/index.js';
import { duplicates, FAST, objectKeys, objectsInWindow, PULL_NOW, pullContext, recordKeys, TEST_KEY, WINDOW } from '../fakes/stripe/harness.js';

let server: FakeStripeServer | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'salvage-stripe-resume-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

class SimulatedCrash extends Error {}

const TUNING: StripeTuning = { ...FAST, pageSize: 10, maxSliceObjects: 40, concurrency: 4 };

/** What `salvage pull` does for one source; `crashAfter` kills it once that many records of this run are written. */
async function pullIntoJob(file: string, url: string, crashAfter?: number) {
  const sink = await openRecordsSink(file);
  const context = pullContext({ checkpoint: (state) => sink.checkpoint(state), resumeState: sink.resumeState });
  const connector = stripeConnector({ apiKey: TEST_KEY, apiBase: url, objects: ['charges', 'refunds', 'customers'] }, TUNING);
  const resumedRecords = sink.resumedRecords;
  const written = await sink
    .write(connector.pull(context), (_record, count) => {
      if (crashAfter !== undefined && count - resumedRecords >= crashAfter) throw new SimulatedCrash(`killed after ${count} records`);
    })
    .catch((error: unknown) => {
      if (error instanceof SimulatedCrash) return undefined;
      throw error;
    });
  return { written, resumedRecords, context };
}

async function readAll(file: string): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const { record } of readRecordsFile(file)) records.push(record);
  return records;
}

describe('stripe connector: resume after a crash', () => {
  it('re-runs only the slices that were not finished, and the file ends complete and duplicate-free', async () => {
    const { account } = buildBusiness({ seed: 21, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 80, charges: 400, events: false });
    server = await startFakeStripe({ account });
    const file = path.join(dir, 'records', 'payments.ndjson');
    const expected = objectKeys(objectsInWindow(account, ['charge', 'refund', 'customer']));

    const first = await pullIntoJob(file, server.url, 150);
    expect(first.written).toBeUndefined();
    expect(existsSync(`${file}.partial`)).toBe(true);
    expect(existsSync(file)).toBe(false);
    const requestsBeforeCrash = server.requests.length;

    const second = await pullIntoJob(file, server.url);
    // Some of what the first run wrote was checkpointed, and kept.
    expect(second.resumedRecords).toBeGreaterThan(0);
    expect(second.resumedRecords).toBeLessThan(150);
    expect(second.context.logs.some((line) => /^resuming: \d+% of the window was pulled before the interruption$/.test(line))).toBe(true);

    const records = await readAll(file);
    const keys = recordKeys(records);
    expect(duplicates(keys)).toEqual([]);
    expect(keys).toEqual(expected);
    expect(second.written).toBe(expected.length);

    // The second run did not pull everything again: it asked only for what was missing.
    const resumedRequests = server.requests.slice(requestsBeforeCrash);
    const objectsFetchedAgain = resumedRequests.length * 10;
    expect(objectsFetchedAgain).toBeLessThan(expected.length + second.resumedRecords);
  });

  it('survives several crashes in a row', async () => {
    const { account } = buildBusiness({ seed: 22, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 60, charges: 300, events: false });
    server = await startFakeStripe({ account });
    const file = path.join(dir, 'records', 'payments.ndjson');
    for (const crashAfter of [60, 90, 130, 200]) await pullIntoJob(file, server.url, crashAfter);
    const last = await pullIntoJob(file, server.url);
    expect(last.written).toBeDefined();
    const keys = recordKeys(await readAll(file));
    expect(duplicates(keys)).toEqual([]);
    expect(keys).toEqual(objectKeys(objectsInWindow(account, ['charge', 'refund', 'customer'])));
  });

  it('refuses to resume an interrupted pull of another account instead of mixing them', async () => {
    const { account } = buildBusiness({ seed: 23, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 20, charges: 100, events: false });
    server = await startFakeStripe({ account });
    const error = await (async () => {
      for await (const record of stripeConnector({ apiKey: TEST_KEY, apiBase: server?.url, connectedAccount: 'acct_1Other' }, FAST).pull(
        pullContext({ resumeState: { version: 1, account: null, done: {} } }),
      )) void record;
    })().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot resume: the interrupted pull was for the key's own account, this one is for connected account acct_1Other/);
    expect(server.requests).toHaveLength(0);
  });

  it('stops when the pull is aborted', async () => {
    const { account } = buildBusiness({ seed: 24, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 20, charges: 300, events: false });
    server = await startFakeStripe({ account, latencyMs: 5 });
    const controller = new AbortController();
    const seen: SourceRecord[] = [];
    const error = await (async () => {
      for await (const record of stripeConnector({ apiKey: TEST_KEY, apiBase: server?.url, objects: ['charges'] }, { ...TUNING, concurrency: 2 }).pull(
        pullContext({ signal: controller.signal }),
      )) {
        seen.push(record);
        if (seen.length === 20) controller.abort(new Error('interrupted by the user'));
      }
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('interrupted by the user');
    const requestsAtAbort = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nothing new is started after the abort (one request per slice may still have been in flight).
    expect(server.requests.length).toBeLessThanOrEqual(requestsAtAbort + 2);
  });

  it('writes nothing but records: the partial file and its checkpoint hold no key', async () => {
    const { account } = buildBusiness({ seed: 25, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 20, charges: 120, events: false });
    server = await startFakeStripe({ account });
    const file = path.join(dir, 'records', 'payments.ndjson');
    await pullIntoJob(file, server.url, 50);
    const partial = await readFile(`${file}.partial`, 'utf8');
    const checkpoint = await readFile(`${file}.checkpoint.json`, 'utf8');
    expect(partial.length).toBeGreaterThan(0);
    expect(JSON.parse(checkpoint).state).toMatchObject({ version: 1, account: null });
    for (const text of [partial, checkpoint]) expect(text).not.toContain(TEST_KEY.slice(8));
  });
});
