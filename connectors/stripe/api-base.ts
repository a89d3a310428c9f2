/**
 * Where the Stripe SDK sends its requests. `apiBase` exists for tests, proxies and
 * replays; without it the SDK's own default (https://api.stripe.com) applies.
 */
import { SourceInputError } from '../../src/records/connector.js';

export interface StripeEndpoint {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function parseApiBase(apiBase: string | undefined, where: string): StripeEndpoint | undefined {
  if (apiBase === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new SourceInputError(`apiBase is not a URL: "${apiBase}"`, where);
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (protocol !== 'http' && protocol !== 'https') {
    throw new SourceInputError(`apiBase must be an http(s) URL, not ${url.protocol}`, where);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    // The SDK always requests /v1/...: a path prefix would be silently dropped.
    throw new SourceInputError(`apiBase must not have a path (got "${url.pathname}"); give only scheme, host and port`, where);
  }
  if (url.username || url.password) {
    throw new SourceInputError('apiBase must not contain credentials; the API key goes in apiKey', where);
  }
  const host = url.hostname;
  // Plain http would carry the API key readable by anyone on the way.
  if (protocol === 'http' && !LOOPBACK_HOSTS.has(host)) {
    throw new SourceInputError(`apiBase uses plain http to ${host}: that would send the API key unencrypted; use https`, where);
  }
  const port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 80;
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port, protocol };
}
