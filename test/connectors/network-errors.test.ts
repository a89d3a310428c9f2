/**
 * A server that cannot be reached is named with the cause to check: Stripe, Google
 * Calendar and IMAP each against a closed port (refused), a server that never answers
 * (timeout), a TLS server with a certificate nobody trusts, and a name that does not
 * resolve. Real sockets on loopback; the SDKs are the official ones.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imapConnector } from '../../connectors/email/index.js';
import { googleCalendarConnector } from '../../connectors/google-calendar/index.js';
import { stripeConnector } from '../../connectors/stripe/index.js';
import { loadConfig } from '../../src/config/load.js';
import { ExitCode, SafetyRefusal } from '../../src/errors.js';
import { pull } from '../../src/pull/pull.js';
import type { Connector } from '../../src/records/connector.js';
import { FAST, TEST_KEY } from '../fakes/stripe/harness.js';
import { testPullContext } from '../support/pull-context.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

let dir: string;
let closedPort: number;
let silent: net.Server;
let silentPort: number;
let untrusted: tls.Server | undefined;
let untrustedPort = 0;
const sockets = new Set<net.Socket>();

/** A port nothing listens on: bound, then closed. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'salvage-neterr-'));
  await mkdir(path.join(dir, '.state'), { recursive: true });
  closedPort = await freePort();
  // Accepts connections and never says a word.
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
  // A TLS server with a self-signed certificate (openssl is part of the base system).
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
    untrusted = tls.createServer({ key: await readFile(path.join(dir, 'key.pem')), cert: await readFile(path.join(dir, 'cert.pem')) }, (socket) => socket.end());
    await new Promise<void>((resolve) => untrusted?.listen(0, '127.0.0.1', resolve));
    untrustedPort = (untrusted.address() as net.AddressInfo).port;
  } catch {
    untrusted = undefined;
  }
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await new Promise<void>((resolve) => (untrusted ? untrusted.close(() => resolve()) : resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function failure(connector: Connector): Promise<string> {
  try {
    for await (const _ of connector.pull(testPullContext('src', dir))) {
      // Nothing is expected to arrive.
    }
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the pull to fail');
}

const stripe = (apiBase: string, timeoutMs = 2_000) =>
  stripeConnector({ apiKey: TEST_KEY, apiBase, objects: ['charges'] }, { ...FAST, requestTimeoutMs: timeoutMs, maxRequestAttempts: 1, maxSliceAttempts: 1 });

describe('stripe: a connection failure names the host and the cause', () => {
  it('refused', async () => {
    const message = await failure(stripe(`http://127.0.0.1:${closedPort}`));
    expect(message).toContain(`cannot reach 127.0.0.1:${closedPort}: connection refused`);
    expect(message).toContain('(ECONNREFUSED)');
    expect(message).not.toContain(TEST_KEY);
  });

  it('timeout', async () => {
    const message = await failure(stripe(`http://127.0.0.1:${silentPort}`, 300));
    expect(message).toMatch(new RegExp(`cannot reach 127\\.0\\.0\\.1:${silentPort}: timed out`));
  });

  it('TLS: a certificate nobody trusts', async ({ skip }) => {
    if (!untrusted) skip();
    const message = await failure(stripe(`https://127.0.0.1:${untrustedPort}`));
    expect(message).toMatch(new RegExp(`cannot reach 127\\.0\\.0\\.1:${untrustedPort}: TLS: the server's certificate or protocol was not accepted \\((DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID)\\)`));
  });

  it('DNS: a name that does not resolve', async () => {
    const message = await failure(stripe('https://api.stripe.invalid'));
    expect(message).toMatch(/cannot reach api\.stripe\.invalid:443: DNS: (the host name does not resolve|the name server did not answer)/);
  });

  it('a publishable key (pk_) is refused as a safety rule: pull exits 3, as for sk_', async () => {
    await writeFile(path.join(dir, 'salvage.yaml'), 'job: ./job\nwindow: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources:\n  payments: { kind: stripe, apiKey: env:PK_KEY, apiBase: "http://127.0.0.1:9" }\n');
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { ...process.env, PK_KEY: ['pk', 'live', '51Pgaf0123456789'].join('_') } });
    const error = await pull({ config }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as SafetyRefusal).exitCode).toBe(ExitCode.refused);
    expect((error as Error).message).toMatch(/publishable key \(pk_live_\.\.\.\), which cannot read payments/);
  });
});

describe('google calendar: a connection failure names the host and the cause', () => {
  it('refused', async () => {
    const message = await failure(googleCalendarConnector({ accessToken: 'test-token', calendarIds: ['primary'], apiBase: `http://127.0.0.1:${closedPort}` }));
    expect(message).toContain(`cannot reach 127.0.0.1:${closedPort}: connection refused`);
    expect(message).not.toContain('test-token');
  });
});

describe('imap: a connection failure names the host and the cause', () => {
  const imap = (port: number, secure: boolean) => imapConnector({ host: '127.0.0.1', port, secure, user: 'kari', pass: 'hunter2-secret', mailboxes: ['INBOX'] }, { timeoutMs: 500, reconnectDelaysMs: [] });

  it('refused', async () => {
    const message = await failure(imap(closedPort, false));
    expect(message).toContain(`cannot connect to 127.0.0.1:${closedPort} (kari@127.0.0.1:${closedPort}): connection refused`);
    expect(message).toContain('check host, port and secure');
    expect(message).not.toContain('hunter2-secret');
  });

  it('TLS: a certificate nobody trusts', async ({ skip }) => {
    if (!untrusted) skip();
    const message = await failure(imap(untrustedPort, true));
    expect(message).toMatch(/cannot connect to 127\.0\.0\.1:\d+ .*: TLS: the server's certificate or protocol was not accepted/);
  });
});
