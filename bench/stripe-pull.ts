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
 *
 * The server runs in a worker thread, as Stripe runs on other machines: in one thread,
 * its JSON work and the garbage collection of 100,000 objects would stall the client's
 * pacing and measure the benchmark, not the client.
 */
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Stripe from 'stripe';
import { stripeConnector } from '../connectors/stripe/index.js';
import type { PullContext } from '../src/records/connector.js';
import { FakeStripeAccount, shapes, seededRandom, startFakeStripe, stripeId, type StripeJson } from '../test/fakes/stripe/index.js';

const { values: args } = parseArgs({
  args: isMainThread ? process.argv.slice(2) : (workerData as { argv: string[] }).argv,
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

/** The server side, in the worker: one fresh server per run, so that rate-limit windows do not carry over. */
async function serveInWorker(): Promise<void> {
  const account = buildAccount();
  let server: Awaited<ReturnType<typeof startFakeStripe>> | undefined;
  parentPort?.on('message', (message: 'start' | 'stop') => {
    void (async () => {
      if (message === 'start') {
        server = await startFakeStripe({ account, latencyMs: LATENCY_MS, rateLimit: { requestsPerSecond: LIMIT } });
        parentPort?.postMessage({ port: server.port });
      } else if (server) {
        const { requests } = server;
        await server.close();
        parentPort?.postMessage({ requests: requests.length, throttled: requests.filter((r) => r.status === 429).length });
      }
    })();
  });
  parentPort?.postMessage({ ready: true });
}

interface ServerHandle {
  url: string;
  port: number;
  stop(): Promise<{ requests: number; throttled: number }>;
}

function startServerWorker(): Promise<{ start(): Promise<ServerHandle>; terminate(): Promise<number> }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { argv: process.argv.slice(2) } });
  const next = () => new Promise<Record<string, number>>((resolve) => worker.once('message', resolve));
  return next().then(() => ({
    async start() {
      worker.postMessage('start');
      const { port } = (await next()) as { port: number };
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        async stop() {
          worker.postMessage('stop');
          return (await next()) as { requests: number; throttled: number };
        },
      };
    },
    terminate: () => worker.terminate(),
  }));
}

async function concurrentPull(servers: Awaited<ReturnType<typeof startServerWorker>>): Promise<Result> {
  const server = await servers.start();
  const logs: string[] = [];
  const context: PullContext = {
    sourceName: 'bench',
    window: { from: window.since, to: window.to, since: window.since, horizon: window.to },
    baseDir: process.cwd(),
    stateDir: process.cwd(),
    observedAt: new Date().toISOString(),
    log: (line) => logs.push(line),
    checkpoint: async () => undefined,
    reject: (r) => logs.push(`rejected: ${r.location}: ${r.what}: ${r.reason}`),
    previousRecords: async function* () {},
  };
  const started = performance.now();
  let objects = 0;
  for await (const record of stripeConnector({ apiKey: KEY, apiBase: server.url, objects: ['charges'] }).pull(context)) {
    if (record.type === 'stripe.charge') objects++;
  }
  const seconds = (performance.now() - started) / 1000;
  const served = await server.stop();
  for (const line of logs) console.log(`  connector: ${line}`);
  return { objects, ...served, seconds };
}

async function sequentialPull(servers: Awaited<ReturnType<typeof startServerWorker>>): Promise<Result> {
  const server = await servers.start();
  const stripe = new Stripe(KEY, { host: '127.0.0.1', port: server.port, protocol: 'http', telemetry: false });
  const started = performance.now();
  let objects = 0;
  const created = { gte: Math.floor(window.since.getTime() / 1000), lt: Math.floor(window.to.getTime() / 1000) + 1 };
  for await (const charge of stripe.charges.list({ created, limit: PAGE, expand: ['data.customer'] })) {
    void charge;
    objects++;
  }
  const seconds = (performance.now() - started) / 1000;
  return { objects, ...(await server.stop()), seconds };
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
  const servers = await startServerWorker();
  const concurrent = await concurrentPull(servers);
  report('salvage (concurrent slices)', concurrent);
  if (concurrent.objects !== OBJECTS) throw new Error(`the pull returned ${concurrent.objects} of ${OBJECTS} charges`);
  if (!args['no-sequential']) {
    const sequential = await sequentialPull(servers);
    report('SDK auto-pagination', sequential);
    const speedup = concurrent.objects / concurrent.seconds / (sequential.objects / sequential.seconds);
    console.log(`concurrent / sequential: ${speedup.toFixed(2)}x`);
  }
  await servers.terminate();
}

(isMainThread ? main() : serveInWorker()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
