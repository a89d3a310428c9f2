/**
 * How close a Stripe pull gets to the rate limit's ceiling, against the local
 * Stripe-compatible server with real latency and a real rate limit, compared with
 * the SDK's own sequential auto-pagination.
 *
 *   npm run build && node dist/bench/stripe-pull.js [--objects 100000] [--latency 50] [--limit 100] [--mode live]
 *
 * The ceiling is `limit` requests/s x 100 objects a page: no client can list faster
 * than that without being throttled. Not run by `npm test`: it takes about a minute
 * with the defaults (the sequential pager is the slow part; --no-sequential skips it).
 */
import { parseArgs } from 'node:util';
import Stripe from 'stripe';
import { stripeConnector } from '../connectors/stripe/index.js';
import type { PullContext } from '../src/records/connector.js';
import { FakeStripeAccount, shapes, seededRandom, startFakeStripe, stripeId, type StripeJson } from '../test/fakes/stripe/index.js';

const { values: args } = parseArgs({
  options: {
    objects: { type: 'string', default: '100000' },
    latency: { type: 'string', default: '50' },
    limit: { type: 'string', default: '100' },
    mode: { type: 'string', default: 'live' },
    'no-sequential': { type: 'boolean', default: false },
  },
});
const OBJECTS = Number(args.objects);
const LATENCY_MS = Number(args.latency);
const LIMIT = Number(args.limit);
const MODE = args.mode === 'test' ? 'test' : 'live';
const KEY = `rk_${MODE}_51BenchBenchBenchBenchBench0000000000`;
const PAGE = 100;
const CEILING = LIMIT * PAGE;

const window = { since: new Date('2026-01-19T00:00:00Z'), to: new Date('2026-04-25T09:00:00Z') };

function buildAccount(): FakeStripeAccount {
  const random = seededRandom(2026);
  const account = new FakeStripeAccount();
  const customers: StripeJson[] = [];
  for (let i = 0; i < 2000; i++) {
    customers.push(shapes.customer({ id: stripeId('cus', random, 14), created: 1_700_000_000 + i, email: `guest${i}@example.com`, name: `Guest ${i}` }));
  }
  account.add(...customers);
  const from = Math.floor(window.since.getTime() / 1000);
  const span = Math.floor(window.to.getTime() / 1000) - from;
  for (let i = 0; i < OBJECTS; i++) {
    // Busier afternoons than nights, as a rental business has: uneven density for the slicer.
    const day = Math.floor(random() * (span / 86_400));
    const hour = random() < 0.8 ? 9 + Math.floor(random() * 9) : Math.floor(random() * 24);
    const created = Math.min(from + span - 1, from + day * 86_400 + hour * 3600 + Math.floor(random() * 3600));
    const customer = customers[Math.floor(random() * customers.length)] as StripeJson;
    account.add(shapes.charge({ id: stripeId('ch', random), created, amount: 4500 + Math.floor(random() * 100) * 100, customer: customer.id, email: customer.email as string }));
  }
  return account;
}

interface Result {
  objects: number;
  requests: number;
  throttled: number;
  seconds: number;
}

async function concurrentPull(account: FakeStripeAccount): Promise<Result> {
  const server = await startFakeStripe({ account, latencyMs: LATENCY_MS, rateLimit: { requestsPerSecond: LIMIT } });
  const logs: string[] = [];
  const context: PullContext = {
    sourceName: 'bench',
    window: { from: window.since, to: window.to, since: window.since, horizon: window.to },
    baseDir: process.cwd(),
    stateDir: process.cwd(),
    observedAt: new Date().toISOString(),
    log: (line) => logs.push(line),
    checkpoint: async () => undefined,
    previousRecords: async function* () {},
  };
  const started = performance.now();
  let objects = 0;
  for await (const record of stripeConnector({ apiKey: KEY, apiBase: server.url, objects: ['charges'] }).pull(context)) {
    if (record.type === 'stripe.charge') objects++;
  }
  const seconds = (performance.now() - started) / 1000;
  await server.close();
  for (const line of logs) console.log(`  connector: ${line}`);
  return { objects, requests: server.requests.length, throttled: server.requests.filter((r) => r.status === 429).length, seconds };
}

async function sequentialPull(account: FakeStripeAccount): Promise<Result> {
  const server = await startFakeStripe({ account, latencyMs: LATENCY_MS, rateLimit: { requestsPerSecond: LIMIT } });
  const stripe = new Stripe(KEY, { host: '127.0.0.1', port: server.port, protocol: 'http', telemetry: false });
  const started = performance.now();
  let objects = 0;
  const created = { gte: Math.floor(window.since.getTime() / 1000), lt: Math.floor(window.to.getTime() / 1000) + 1 };
  for await (const charge of stripe.charges.list({ created, limit: PAGE, expand: ['data.customer'] })) {
    void charge;
    objects++;
  }
  const seconds = (performance.now() - started) / 1000;
  await server.close();
  return { objects, requests: server.requests.length, throttled: server.requests.filter((r) => r.status === 429).length, seconds };
}

function report(name: string, result: Result): void {
  const perSecond = result.objects / result.seconds;
  console.log(
    `${name.padEnd(28)} ${String(result.objects).padStart(7)} objects in ${result.seconds.toFixed(1).padStart(6)} s = ` +
      `${perSecond.toFixed(0).padStart(6)} objects/s, ${String(result.requests).padStart(5)} requests ` +
      `(${(result.requests / result.seconds).toFixed(1)}/s, ${result.throttled} throttled): ` +
      `${(perSecond / CEILING).toFixed(3)} of the ceiling`,
  );
}

async function main(): Promise<void> {
  console.log(`stripe pull benchmark: ${OBJECTS} charges, ${LATENCY_MS} ms latency, ${LIMIT} requests/s limit (${MODE} mode key)`);
  console.log(`ceiling: ${LIMIT} requests/s x ${PAGE} objects = ${CEILING} objects/s`);
  const account = buildAccount();
  const concurrent = await concurrentPull(account);
  report('salvage (concurrent slices)', concurrent);
  if (concurrent.objects !== OBJECTS) throw new Error(`the pull returned ${concurrent.objects} of ${OBJECTS} charges`);
  if (!args['no-sequential']) {
    const sequential = await sequentialPull(account);
    report('SDK auto-pagination', sequential);
    const speedup = concurrent.objects / concurrent.seconds / (sequential.objects / sequential.seconds);
    console.log(`concurrent / sequential: ${speedup.toFixed(2)}x`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
