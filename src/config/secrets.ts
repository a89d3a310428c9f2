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

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  for (const shape of CREDENTIAL_SHAPES) out = out.replace(shape, '***');
  // Passwords inside connection URLs, even ones we never resolved ourselves.
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, '$1***@');
}

/** Whether a value holds one of the credentials salvage was given (it must never reach a patch). */
export function containsSecret(text: string): boolean {
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}
