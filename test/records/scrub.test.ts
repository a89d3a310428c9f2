import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/runtime/secrets.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { REDACTED, RecordScrubber } from '../../src/records/scrub.js';
import { registerSecretPatterns } from '../../src/records/source-kind.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

// The shapes of Stripe keys and Google tokens come from their kinds, as the CLI registers them.
registerSecretPatterns(SOURCE_KINDS);

const envelope = (data: Record<string, unknown>): SourceRecord => ({
  source: 'crm',
  type: 'csv.row',
  id: 'a.csv#L2',
  ref: 'file://a.csv#L2',
  observedAt: '2026-11-26T00:00:00.000Z',
  data,
});

describe('RecordScrubber', () => {
  it('returns a clean record itself, untouched (no copy for the common case)', () => {
    const record = envelope({ email: 'ann@example.com', note: 'see https://example.com/x', tags: ['a', { b: 1 }], n: 4 });
    const scrubber = new RecordScrubber();
    expect(scrubber.scrub(record)).toBe(record);
    expect(scrubber.redactedValues).toBe(0);
  });

  it('redacts credentials by shape, config secrets wherever repeated, URL passwords and password-named fields, and counts them by path', () => {
    registerSecret('CfgSecretPaste-123');
    const live = 'sk' + '_live_51ABCDEFGHijkl';
    const record = envelope({
      note: `rotate ${live} and CfgSecretPaste-123 today`,
      nested: { lines: [{ text: 'db postgres://app:pw0rd@db.example.com/prod' }, 'fine'], client_secret: 'pi_1_secret_x' },
      password: 12345,
      'Admin Password': 'hunter2',
      access_token: 'opaque',
      empty_password: '',
      token_count: 'sk_not_a_key',
    });
    const scrubber = new RecordScrubber();
    const clean = scrubber.scrub(record);
    expect(clean.data).toEqual({
      note: `rotate ${REDACTED} and ${REDACTED} today`,
      nested: { lines: [{ text: `db postgres://app:${REDACTED}@db.example.com/prod` }, 'fine'], client_secret: REDACTED },
      password: REDACTED,
      'Admin Password': REDACTED,
      access_token: REDACTED,
      empty_password: '',
      token_count: 'sk_not_a_key',
    });
    // The original is not modified: it may be a connector's own object.
    expect(record.data.note).toContain(live);
    expect(scrubber.redactedValues).toBe(6);
    expect([...scrubber.fields]).toEqual(['data.note', 'data.nested.lines[].text', 'data.nested.client_secret', 'data.password', 'data.Admin Password', 'data.access_token']);
  });

  it('keeps a field named __proto__ a plain field when it redacts it', () => {
    // A token's shape, put together so that no literal in the tree looks like a real Google token.
    const token = ['ya29', 'A'.repeat(16)].join('.');
    const data = JSON.parse(`{"__proto__": {"password": "x"}, "note": "${token}"}`) as Record<string, unknown>;
    const clean = new RecordScrubber().scrub(envelope(data));
    expect(Object.getPrototypeOf(clean.data)).toBe(Object.prototype);
    expect(JSON.stringify(clean.data)).toBe(`{"__proto__":{"password":"${REDACTED}"},"note":"${REDACTED}"}`);
  });
});
