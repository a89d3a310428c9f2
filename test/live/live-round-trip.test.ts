import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { SalvageConfig } from '../../src/config/load.js';
import { readCatalog } from '../../src/db/catalog.js';
import { openLiveTarget } from '../../src/reconcile/live-session.js';
import { exec } from '../corpus/support.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const pgUp = await postgresAvailable();

/** A TCP relay to PostgreSQL that holds every chunk `delayMs` each way: the target across a network. */
async function slowLink(host: string, port: number, delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    client.on('data', (d) => setTimeout(() => upstream.write(d), delayMs));
    upstream.on('data', (d) => setTimeout(() => client.write(d), delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.runIf(pgUp)('sizing the live target\'s batches by the round trip to it', () => {
  let target: TestDatabase | undefined;
  let jobDir: string | undefined;
  afterAll(async () => {
    await target?.drop();
    if (jobDir) await rm(jobDir, { recursive: true, force: true });
  });

  it('sends the smallest batches to a server on the same machine, and larger ones across a slow link', async () => {
    target = await createTestDatabase('live_round_trip');
    await exec(target.url, 'CREATE TABLE bookings (id bigserial PRIMARY KEY, code text UNIQUE);');
    jobDir = await mkdtemp(path.join(os.tmpdir(), 'salvage-rtt-'));
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    const table = (await readCatalog(client)).tables.find((t) => t.name === 'bookings');
    await client.end();
    if (!table) throw new Error('no table');
    const batchVia = async (url: string) => {
      const config = { jobDir, target: { url } } as unknown as SalvageConfig;
      const session = await openLiveTarget(config, () => undefined);
      if (!session) throw new Error('no live session');
      try {
        return (await session.table(table)).batchSize;
      } finally {
        await session.end();
        await session.db.close();
      }
    };
    const direct = await batchVia(target.url);
    const parsed = new URL(target.url);
    // 4 ms each way: a round trip of 8 ms or more, so 250 + 3 steps of 250 at least.
    const link = await slowLink(parsed.hostname, Number(parsed.port || 5432), 4);
    try {
      parsed.host = `127.0.0.1:${link.port}`;
      const slow = await batchVia(parsed.toString());
      expect(direct).toBeLessThan(slow);
      expect(slow).toBeGreaterThanOrEqual(1000);
      expect(direct).toBeLessThanOrEqual(500);
    } finally {
      await link.close();
    }
  }, 60_000);
});
