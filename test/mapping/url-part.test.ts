import { describe, expect, it } from 'vitest';
import { parseTransformStep } from '../../src/mapping/transforms/index.js';
import { failure, run, steps } from '../support/transform-chain.js';
import { outputKind } from '../../src/mapping/value-kinds.js';

const link = 'https://Shop.Example:8443/orders/A%201042/?ref=K7+QX2P&ref=second&empty=#section-2';

describe('url_part', () => {
  it('takes the host, scheme, path, fragment, a segment or a query parameter of a URL', () => {
    expect(run(link, { url_part: 'host' })).toBe('shop.example');
    expect(run(link, { url_part: 'scheme' })).toBe('https');
    expect(run(link, { url_part: 'path' })).toBe('/orders/A 1042/');
    expect(run(link, { url_part: 'fragment' })).toBe('section-2');
    expect(run(link, { url_part: { segment: 0 } })).toBe('orders');
    // A trailing slash leaves no empty last segment.
    expect(run(link, { url_part: { segment: -1 } })).toBe('A 1042');
    expect(run(link, { url_part: { query: 'ref' } })).toBe('K7 QX2P');
  });

  it('reads bare paths, protocol-relative and Windows paths', () => {
    expect(run('/bookings/2026/K7QX2P.pdf', { url_part: { segment: -1 } })).toBe('K7QX2P.pdf');
    expect(run('bookings/K7QX2P?x=1', { url_part: { segment: -2 } })).toBe('bookings');
    expect(run('bookings/K7QX2P?x=1', { url_part: { query: 'x' } })).toBe('1');
    expect(run('C:\\exports\\bookings.csv', { url_part: { segment: 0 } })).toBe('C:');
    expect(run('C:\\exports\\bookings.csv', { url_part: { segment: -1 } })).toBe('bookings.csv');
    expect(run('//cdn.example/a/b', { url_part: 'host' })).toBe('cdn.example');
    expect(run('/orders/1', { url_part: 'host' })).toBeNull();
  });

  it('a part the value does not have is absent, not an error', () => {
    expect(run(link, { url_part: { query: 'missing' } })).toBeNull();
    expect(run(link, { url_part: { query: 'empty' } })).toBeNull();
    expect(run(link, { url_part: { segment: 5 } })).toBeNull();
    expect(run(link, { url_part: { segment: -3 } })).toBeNull();
    expect(run('https://shop.example', { url_part: 'fragment' })).toBeNull();
    expect(run(null, { url_part: 'host' })).toBeNull();
  });

  it('keeps hostile text intact and names broken input', () => {
    expect(run("/customers/O'Brien%20%F0%9F%98%80/\"quoted\"", { url_part: { segment: 1 } })).toBe("O'Brien 😀");
    expect(run('/a/%22quoted%22%5C', { url_part: { segment: -1 } })).toBe('"quoted"\\');
    expect(failure('/a/%E0%A4%A', { url_part: { segment: -1 } })).toMatch(/broken %-escape/);
    expect(failure('/a/x%00y', { url_part: { segment: -1 } })).toMatch(/NUL byte/);
    expect(failure('/a?ref=x%00y', { url_part: { query: 'ref' } })).toMatch(/NUL byte/);
    expect(failure('https://exa mple.com/x', { url_part: 'host' })).toMatch(/is not a URL or path/);
    expect(failure(42, { url_part: 'host' })).toMatch(/expected text/);
  });

  it('is linear on long hostile input', () => {
    const long = `https://h.example/${'a/'.repeat(200_000)}x?${'q=1&'.repeat(100_000)}ref=end`;
    const started = performance.now();
    expect(run(long, { url_part: { segment: -1 } })).toBe('x');
    expect(run(long, { url_part: { query: 'ref' } })).toBe('end');
    // Generous: a backtracking parser would take minutes, not seconds.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('refuses unknown parts when the mapping is loaded, and produces text for check', () => {
    const parsed = parseTransformStep({ url_part: 'path_segment' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.join('\n')).toMatch(/expected one of host, path, fragment, scheme, or \{ segment: N \}/);
    const bad = parseTransformStep({ url_part: { segment: 1.5 } });
    expect(bad.ok).toBe(false);
    expect(outputKind({ from: [{ text: 'data.url', segments: ['data', 'url'] }], transforms: steps({ url_part: 'host' }) })).toBe('text');
  });
});
