import { IANAZone } from 'luxon';

/**
 * `Europe/Oslo` as is; also the IANA tail of prefixed ids some calendar producers
 * write, like `/mozilla.org/20050126_1/Europe/Oslo`. Undefined for anything else.
 */
export function ianaNameFor(tzid: string): string | undefined {
  const trimmed = tzid.trim();
  if (IANAZone.isValidZone(trimmed)) return trimmed;
  const segments = trimmed.split('/').filter((segment) => segment !== '');
  for (let start = 1; start < segments.length; start++) {
    const candidate = segments.slice(start).join('/');
    if (candidate.includes('/') && IANAZone.isValidZone(candidate)) return candidate;
  }
  return undefined;
}
