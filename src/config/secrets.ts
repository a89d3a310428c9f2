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

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  // Passwords inside connection URLs, even ones we never resolved ourselves.
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/gi, '$1***@');
}
