import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SourceInputError } from '../../src/records/connector.js';
import { auth } from './googleapis.js';
import { CALENDAR_READONLY_SCOPE, type GoogleCalendarSourceOptions } from './options.js';

/** The OAuth2 client googleapis signs requests with (a service account's JWT client is one too). */
export type CalendarAuthClient = InstanceType<typeof auth.OAuth2>;
export type ServiceAccountClient = InstanceType<typeof auth.JWT>;

/** The fields of a service account key that salvage needs. */
interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
}

/**
 * The auth client for a source: an access token as is, or a service account (optionally
 * impersonating `subject`). Exactly one of the two must be configured. Messages never
 * contain the token or the key, only which setting is wrong.
 */
export async function createAuthClient(options: GoogleCalendarSourceOptions, baseDir: string): Promise<CalendarAuthClient> {
  const { accessToken, credentials, subject } = options;
  if (accessToken !== undefined && credentials !== undefined) {
    throw new SourceInputError('set either accessToken or credentials (a service account), not both');
  }
  if (subject !== undefined && credentials === undefined) {
    throw new SourceInputError('subject (the user to impersonate) needs credentials: a service account with domain-wide delegation');
  }
  if (accessToken !== undefined) {
    if (accessToken.trim() === '') throw new SourceInputError('accessToken is empty; check the environment variable it is read from');
    return accessTokenClient(accessToken);
  }
  if (credentials !== undefined) return serviceAccountClient(await readServiceAccountKey(credentials, baseDir), subject);
  throw new SourceInputError(
    'no credentials: set accessToken (an OAuth token with the calendar.readonly scope) or credentials ' +
      '(a service account JSON key), each as env:NAME',
  );
}

/** An OAuth2 client that only presents the token: without a refresh token it never calls Google's token endpoint. */
export function accessTokenClient(accessToken: string): CalendarAuthClient {
  const client = new auth.OAuth2();
  client.setCredentials({ access_token: accessToken.trim(), scope: CALENDAR_READONLY_SCOPE });
  return client;
}

/** A JWT client for a service account, asking for the read-only scope only. */
export function serviceAccountClient(key: ServiceAccountKey, subject: string | undefined): ServiceAccountClient {
  return new auth.JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: [CALENDAR_READONLY_SCOPE],
    subject,
  });
}

/** `credentials` is the key's JSON text (from an env: variable) or the path of the key file. */
export async function readServiceAccountKey(credentials: string, baseDir: string): Promise<ServiceAccountKey> {
  const trimmed = credentials.trim();
  let text = trimmed;
  let where = 'credentials';
  if (!trimmed.startsWith('{')) {
    const file = path.resolve(baseDir, trimmed);
    where = `credentials file ${file}`;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new SourceInputError(
        `credentials is neither a service account JSON key nor a readable file (${String(code)} for ${file})`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message would quote the key's text: say only where.
    throw new SourceInputError(`${where} is not valid JSON; expected a service account key as downloaded from the Google Cloud console`);
  }
  return validateKey(parsed, where);
}

function validateKey(value: unknown, where: string): ServiceAccountKey {
  const key = (value ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SourceInputError(`${where} must be a JSON object (a service account key)`);
  }
  if (key.type !== undefined && key.type !== 'service_account') {
    throw new SourceInputError(
      `${where} is a "${String(key.type)}" credential; salvage needs a service account key ("type": "service_account") ` +
        'or an access token in accessToken',
    );
  }
  const missing = ['client_email', 'private_key'].filter((field) => typeof key[field] !== 'string' || key[field] === '');
  if (missing.length > 0) throw new SourceInputError(`${where} lacks ${missing.join(' and ')}; is it a service account key?`);
  return {
    client_email: key.client_email as string,
    private_key: key.private_key as string,
    private_key_id: typeof key.private_key_id === 'string' ? key.private_key_id : undefined,
  };
}
