/**
 * Why a connection to a server failed, in words that say what to check: refused, DNS,
 * TLS, timeout, reset, no route. SDKs wrap the socket's error (Stripe's
 * StripeConnectionError keeps it in `detail`, gaxios and fetch in `cause`, imapflow
 * passes it on); the system code is found wherever it sits.
 */

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  detail?: unknown;
  errors?: unknown;
  type?: unknown;
}

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing accepts connections on that host and port (wrong port, service down, or a firewall rejecting it)',
  ENOTFOUND: 'DNS: the host name does not resolve (check its spelling, the DNS, or the proxy settings)',
  EAI_AGAIN: 'DNS: the name server did not answer (no network, or the DNS is down); try again',
  ETIMEDOUT: 'timed out: the host did not answer (a firewall dropping packets, a wrong address, or an overloaded server)',
  ESOCKETTIMEDOUT: 'timed out waiting for an answer',
  ECONNRESET: 'the connection was reset by the other side or a proxy',
  EHOSTUNREACH: 'no route to the host (network down, VPN needed?)',
  ENETUNREACH: 'the network is unreachable (no network, VPN needed?)',
  EPIPE: 'the connection was closed while sending',
};

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_NOT_YET_VALID', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO',
]);

/** The first system or TLS error code in the error's chain, if any. */
export function networkErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as ErrorLike;
    if (typeof e.code === 'string' && (e.code in CAUSES || TLS_CODES.has(e.code) || e.code.startsWith('ERR_TLS') || e.code.startsWith('ERR_SSL'))) return e.code;
    queue.push(e.detail, e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return undefined;
}

/** `connection refused: ... (ECONNREFUSED)`, or undefined when the error carries no network code. */
export function describeNetworkCause(error: unknown): string | undefined {
  const code = networkErrorCode(error);
  if (code === undefined) return timeoutWords(error);
  const words = CAUSES[code];
  if (words) return `${words} (${code})`;
  return `TLS: the server's certificate or protocol was not accepted (${code}); a proxy that intercepts TLS needs its CA in NODE_EXTRA_CA_CERTS`;
}

/** SDKs that time a request out themselves say so in words, not in a code. */
function timeoutWords(error: unknown): string | undefined {
  const message = (error as ErrorLike | null)?.message;
  return typeof message === 'string' && /\btime(d)?\s?out\b|timeout/i.test(message) ? `timed out: ${message}` : undefined;
}
