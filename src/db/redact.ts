/**
 * Keeps passwords out of messages. node-postgres does not put the password in
 * its errors today, but a message may quote a server's or a library's text we
 * do not control, so every message about a connection passes through here.
 */

/** The secrets a connection URL carries, in every spelling that might be echoed. */
export function secretsOfUrl(url: URL): string[] {
  const secrets = new Set<string>();
  const add = (value: string | null): void => {
    if (value === null || value === '') return;
    secrets.add(value);
    try {
      secrets.add(decodeURIComponent(value));
    } catch {
      // Not valid percent-encoding: the raw form is already listed.
    }
    secrets.add(encodeURIComponent(value));
  };
  add(url.password);
  // pg also reads `?password=...` from the query string.
  add(url.searchParams.get('password'));
  return [...secrets];
}

/** Replaces every occurrence of each secret (longest first) with `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') result = result.split(secret).join('***');
  }
  return result;
}
