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

/** The secrets registered so far, to hand to a worker thread (it has its own registry). */
export function registeredSecrets(): string[] {
  return [...secrets];
}

/**
 * Shapes of credentials salvage knows, redacted wherever they turn up in output. Each
 * has a marker, a plain substring every match contains, so that `mightHoldSecret` can
 * skip the regular expressions for the text of nearly every record.
 */
const CREDENTIAL_SHAPES: Array<{ markers: string[]; pattern: RegExp }> = [
  { markers: ['_live_', '_test_'], pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}/g }, // Stripe secret and restricted keys
  { markers: ['ya29.'], pattern: /\bya29\.[A-Za-z0-9_-]{10,}/g }, // Google OAuth access tokens
  { markers: ['://'], pattern: /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s/]+@/gi }, // passwords inside connection URLs
];

export function redact(text: string, marker = '***'): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(marker);
  for (const { pattern } of CREDENTIAL_SHAPES) {
    // A URL keeps its scheme and user: only what stands for the password goes.
    out = out.replace(pattern, (whole, userPart?: string) => (typeof userPart === 'string' ? `${userPart}${marker}@` : marker));
  }
  return out;
}

/** A cheap test that skips the regular expressions: true when `redact` could change the text. */
export function mightHoldSecret(text: string): boolean {
  for (const { markers } of CREDENTIAL_SHAPES) if (markers.some((m) => text.includes(m))) return true;
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}

/** Whether a value holds one of the credentials salvage was given (it must never reach a patch). */
export function containsSecret(text: string): boolean {
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}
