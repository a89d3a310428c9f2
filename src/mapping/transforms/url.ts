import { z } from 'zod';
import { TransformError, type Value, defineTransform, expectText, show } from './core.js';

/**
 * Parts of a URL or path: `https://shop.example/orders/A-1042?ref=K7QX2P` gives the host,
 * the last path segment `A-1042` or the query parameter `ref`. Parsed with the WHATWG URL
 * parser and plain splitting, both linear in the input, so a hostile value cannot make a
 * pattern backtrack. A part the value does not have is absent (null), like a missing field.
 */

type Part =
  | { part: 'host' | 'path' | 'fragment' | 'scheme' }
  | { part: 'segment'; index: number }
  | { part: 'query'; name: string };

const WHOLE_PARTS = ['host', 'path', 'fragment', 'scheme'] as const;
const EXAMPLES = '{ url_part: host }, { url_part: { segment: -1 } } or { url_part: { query: ref } }';

const partArgs = z.union(
  [
    z.enum(WHOLE_PARTS).transform((part): Part => ({ part })),
    z.strictObject({ segment: z.number().int() }).transform(({ segment }): Part => ({ part: 'segment', index: segment })),
    z.strictObject({ query: z.string().min(1) }).transform(({ query }): Part => ({ part: 'query', name: query })),
  ],
  { error: `expected one of host, path, fragment, scheme, or { segment: N } or { query: name }, like ${EXAMPLES}` },
);

/** Any scheme followed by ":" (RFC 3986), read by hand: `mailto:`, `https:`. */
function hasScheme(text: string): boolean {
  const colon = text.indexOf(':');
  if (colon < 1) return false;
  for (let i = 0; i < colon; i++) {
    const c = text[i] as string;
    const letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!letter && (i === 0 || !((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.'))) return false;
  }
  // `C:\bookings` is a Windows path, not a URL with scheme "c".
  return colon > 1;
}

/**
 * A URL, a protocol-relative `//host/path`, or a bare path such as `/orders/A-1042` or
 * `orders/A-1042?x=1`, read against no host. `scheme` and `host` are those written, if any.
 */
function parse(value: Value, text: string): { url: URL; scheme: boolean; host: boolean } {
  try {
    if (hasScheme(text)) return { url: new URL(text), scheme: true, host: true };
    const slashed = text.replace(/\\/g, '/');
    if (slashed.startsWith('//')) return { url: new URL(`https:${slashed}`), scheme: false, host: true };
    // `./` keeps a first segment with a colon (`C:/bookings`) from being read as a scheme.
    return { url: new URL(slashed.startsWith('/') ? slashed : `./${slashed}`, 'relative:///'), scheme: false, host: false };
  } catch {
    throw new TransformError(`${show(value)} is not a URL or path`);
  }
}

function decode(value: Value, text: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw new TransformError(`${show(value)} has a broken %-escape in "${text.length > 40 ? `${text.slice(0, 40)}...` : text}"`);
  }
  return noNul(value, decoded);
}

/** %00 decodes to a NUL byte, which PostgreSQL text cannot store: a failure of this record, not of the patch. */
function noNul(value: Value, text: string): string {
  if (text.includes('\u0000')) throw new TransformError(`${show(value)} decodes to a NUL byte (%00), which a PostgreSQL text column cannot store`);
  return text;
}

function orAbsent(text: string): string | null {
  return text === '' ? null : text;
}

export const urlPart = defineTransform({
  name: 'url_part',
  output: 'text',
  summary: 'a part of a URL or path: host, path, fragment, scheme, a path segment (negative counts from the end) or a query parameter, %-decoded',
  usage: ['{ url_part: host }', '{ url_part: { segment: -1 } }', '{ url_part: { query: ref } }', '{ url_part: path }'],
  args: partArgs,
  apply(value, args) {
    const text = expectText(value).trim();
    const { url, scheme, host } = parse(value, text);
    switch (args.part) {
      case 'scheme':
        return scheme ? url.protocol.slice(0, -1) : null;
      case 'host':
        return host ? orAbsent(url.hostname) : null;
      case 'path':
        return orAbsent(decode(value, url.pathname));
      case 'fragment':
        return orAbsent(decode(value, url.hash.slice(1)));
      case 'query':
        // URLSearchParams decodes + and %-escapes itself and never throws.
        return orAbsent(noNul(value, url.searchParams.get(args.name) ?? ''));
      case 'segment': {
        // Empty segments (`//`, a trailing `/`) carry nothing: `/orders/42/` ends in 42.
        const segments = url.pathname.split('/').filter((s) => s !== '');
        const at = args.index < 0 ? segments.length + args.index : args.index;
        const segment = segments[at];
        return segment === undefined ? null : decode(value, segment);
      }
    }
  },
});

export const URL_TRANSFORMS = [urlPart];
