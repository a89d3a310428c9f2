import { mightHoldSecret, redact } from '../runtime/secrets.js';
import type { SourceRecord } from './envelope.js';

/**
 * What replaces a credential in a records file. Later stages recognise it: a column whose
 * value holds it is never written to a patch (the row is reported instead), because the
 * real value is gone and a placeholder in a production row would be a second incident.
 */
export const REDACTED = '[salvage:redacted]';

/** Field names whose whole value is a credential, whatever it looks like. */
const SECRET_FIELD = /(?:^|[_\-. ])(?:password|passwd|pwd|passphrase|secret|private[_-]?key)$|^(?:access|refresh)[_-]?token$/i;

/**
 * Removes credentials from records before they reach disk (keys, tokens and
 * passwords are never in records, changesets, reports or patches). It redacts:
 *   - every secret salvage was given in salvage.yaml, wherever the data repeats it;
 *   - Stripe keys, Google access tokens and passwords inside connection URLs, by shape;
 *   - the whole value of a field named like a password or secret.
 * Records are copied only when something changes, so clean records cost one scan.
 */
export class RecordScrubber {
  /** How many values were redacted, and in which fields (dotted paths), for the pull's report. */
  redactedValues = 0;
  readonly fields = new Set<string>();

  scrub(record: SourceRecord): SourceRecord {
    const data = this.scrubValue(record.data, 'data', undefined) as Record<string, unknown>;
    return data === record.data ? record : { ...record, data };
  }

  private scrubValue(value: unknown, at: string, key: string | undefined): unknown {
    if (key !== undefined && SECRET_FIELD.test(key) && value !== null && value !== '' && (typeof value !== 'object')) {
      return this.count(at, REDACTED);
    }
    if (typeof value === 'string') {
      if (!mightHoldSecret(value)) return value;
      const clean = redact(value, REDACTED);
      return clean === value ? value : this.count(at, clean);
    }
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, i) => {
        const clean = this.scrubValue(item, `${at}[]`, undefined);
        if (clean !== item) (copy ??= [...value])[i] = clean;
      });
      return copy ?? value;
    }
    if (value !== null && typeof value === 'object') {
      let copy: Record<string, unknown> | undefined;
      for (const [k, item] of Object.entries(value)) {
        const clean = this.scrubValue(item, `${at}.${k}`, k);
        // defineProperty, not assignment: a key named __proto__ must stay a plain field.
        if (clean !== item) Object.defineProperty((copy ??= { ...(value as Record<string, unknown>) }), k, { value: clean, enumerable: true, writable: true, configurable: true });
      }
      return copy ?? value;
    }
    return value;
  }

  private count(at: string, clean: string): string {
    this.redactedValues++;
    this.fields.add(at);
    return clean;
  }
}
