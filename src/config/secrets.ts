/**
 * Every secret salvage resolves is registered here, so that any text leaving the
 * process (logs, errors, reports) can be scrubbed of it as a last line of defence.
 * The first line is never to put secrets in messages at all.
 */
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  // Very short values would redact ordinary words; real keys and passwords are longer.
  if (value.length >= 4) secrets.add(value);
}

/** Shapes of credentials salvage knows, redacted wherever they turn up in output. */
const CREDENTIAL_SHAPES = [
  /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}/g, // Stripe secret and restricted keys
  /\bya29\.[A-Za-z0-9_-]{10,}/g, // Google OAuth access tokens
];

export function redact(text: string, marker = '***'): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(marker);
  for (const shape of CREDENTIAL_SHAPES) out = out.replace(shape, marker);
  // Passwords inside connection URLs, even ones we never resolved ourselves.
  return out.replace(URL_PASSWORD, (_whole, prefix: string) => `${prefix}${marker}@`);
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s/]+@/gi;

/**
 * A cheap test that skips the regular expressions for the text of nearly every record:
 * true when `redact` could change the text.
 */
export function mightHoldSecret(text: string): boolean {
  if (text.includes('_live_') || text.includes('_test_') || text.includes('ya29.') || text.includes('://')) return true;
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}

/** Whether a value holds one of the credentials salvage was given (it must never reach a patch). */
export function containsSecret(text: string): boolean {
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}
