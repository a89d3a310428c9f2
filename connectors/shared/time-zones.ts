import { IANAZone } from 'luxon';
import { findIana } from 'windows-iana';

/**
 * `Europe/Oslo` as is; also the IANA tail of prefixed ids some calendar producers
 * write, like `/mozilla.org/20050126_1/Europe/Oslo`; and a Windows zone name (Outlook,
 * Exchange: `W. Europe Standard Time`) as its IANA zone from the CLDR table, for files
 * that name it without a VTIMEZONE. Undefined for anything else.
 */
export function ianaNameFor(tzid: string): string | undefined {
  const trimmed = tzid.trim();
  if (IANAZone.isValidZone(trimmed)) return trimmed;
  const segments = trimmed.split('/').filter((segment) => segment !== '');
  for (let start = 1; start < segments.length; start++) {
    const candidate = segments.slice(start).join('/');
    if (candidate.includes('/') && IANAZone.isValidZone(candidate)) return candidate;
  }
  return windowsZoneAsIana(trimmed);
}

/** CLDR lists the zone's main IANA name first (territory 001): `W. Europe Standard Time` is Europe/Berlin. */
function windowsZoneAsIana(name: string): string | undefined {
  return findIana(name).find((candidate) => IANAZone.isValidZone(candidate));
}
