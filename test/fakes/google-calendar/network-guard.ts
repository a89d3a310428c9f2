import net from 'node:net';

/**
 * Records every outgoing TCP connection of this test process and refuses those the
 * predicate does not allow, before any DNS lookup: a connector that tried to reach
 * Google (a token refresh, a wrong rootUrl) fails the test instead of the network.
 * HTTP, HTTPS, node-fetch and undici all end in net.Socket.prototype.connect.
 */
export interface ConnectionTarget {
  host: string | undefined;
  port: number | undefined;
  path: string | undefined;
}

export interface NetworkGuard {
  connections: ConnectionTarget[];
  blocked: ConnectionTarget[];
  restore(): void;
}

export function guardNetwork(allowed: (target: ConnectionTarget) => boolean): NetworkGuard {
  const original = net.Socket.prototype.connect;
  const connections: ConnectionTarget[] = [];
  const blocked: ConnectionTarget[] = [];
  const patched = function (this: net.Socket, ...args: unknown[]): net.Socket {
    const target = targetOf(args);
    connections.push(target);
    if (!allowed(target)) {
      blocked.push(target);
      const error = new Error(`network guard: connection to ${target.host ?? target.path}:${target.port} refused by the test`);
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  net.Socket.prototype.connect = patched as typeof original;
  return {
    connections,
    blocked,
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}

/** connect() takes (options), (port, host), (path) or, from net.createConnection, one normalised [options, cb] array. */
function targetOf(args: unknown[]): ConnectionTarget {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: unknown; port?: unknown; path?: unknown };
    return {
      host: typeof options.host === 'string' ? options.host : options.path === undefined ? 'localhost' : undefined,
      port: options.port === undefined ? undefined : Number(options.port),
      path: typeof options.path === 'string' ? options.path : undefined,
    };
  }
  if (typeof first === 'string' && Number.isNaN(Number(first))) return { host: undefined, port: undefined, path: first };
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first), path: undefined };
}
