import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessTokenClient, createAuthClient, type CalendarAuthClient } from '../../connectors/google-calendar/auth.js';
import { auth } from '../../connectors/google-calendar/googleapis.js';
import { CALENDAR_READONLY_SCOPE } from '../../connectors/google-calendar/index.js';
import { SourceInputError } from '../../src/records/connector.js';
import { ACCESS_TOKEN, expectedKayakIds } from '../fakes/google-calendar/scenario.js';
import { startKit, type CalendarTestKit } from '../fakes/google-calendar/test-kit.js';

const SUBJECT = 'ops@fjordkayaks.example';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const KEY = {
  type: 'service_account',
  project_id: 'fjord-kayaks',
  private_key_id: 'k1',
  private_key: privateKey,
  client_email: 'salvage@fjord-kayaks.iam.gserviceaccount.com',
  client_id: '1234567890',
  token_uri: 'https://oauth2.googleapis.com/token',
};

let kit: CalendarTestKit;

beforeEach(async () => {
  kit = await startKit();
});

afterEach(async () => {
  try {
    kit.expectOnlyGetsToTheFake();
  } finally {
    await kit.close();
  }
});

/** What FACTS.md found: a JWT client with a preset, unexpired token makes no token request. */
function presetToken(client: CalendarAuthClient): void {
  client.setCredentials({ access_token: ACCESS_TOKEN, expiry_date: Date.now() + 3_600_000 });
}

describe('google-calendar: service accounts', () => {
  it('reads the key from the variable, impersonates subject, asks for calendar.readonly only', async () => {
    const clients: CalendarAuthClient[] = [];
    const { records } = await kit.pull({
      accessToken: undefined,
      credentials: JSON.stringify(KEY),
      subject: SUBJECT,
      prepareAuthClient: (client) => {
        clients.push(client);
        presetToken(client);
      },
    });
    expect(records).toHaveLength(expectedKayakIds().length);
    const client = clients[0];
    expect(client).toBeInstanceOf(auth.JWT);
    const jwt = client as InstanceType<typeof auth.JWT>;
    expect({ email: jwt.email, subject: jwt.subject, scopes: jwt.scopes, keyId: jwt.keyId }).toEqual({
      email: KEY.client_email,
      subject: SUBJECT,
      scopes: [CALENDAR_READONLY_SCOPE],
      keyId: 'k1',
    });
    expect(new Set(kit.server.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${ACCESS_TOKEN}`]));
  });

  it('reads the key from a file named relative to the config', async () => {
    await writeFile(path.join(kit.job.dir, 'sa.json'), JSON.stringify(KEY));
    const { records } = await kit.pull({ accessToken: undefined, credentials: 'sa.json', prepareAuthClient: presetToken });
    expect(records).toHaveLength(expectedKayakIds().length);
  });

  it('without a preset token the client would call Google: the guard stops it, the pull fails', async () => {
    const error = await kit.pull({ accessToken: undefined, credentials: JSON.stringify(KEY) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(kit.guard.blocked.map((target) => target.host)).toContain('oauth2.googleapis.com');
    expect(kit.server.requests).toHaveLength(0);
    // Blocked, as it must be: clear the record so the after-test check looks at the rest.
    kit.guard.connections.splice(0, kit.guard.connections.length, ...kit.guard.connections.filter((target) => target.host === '127.0.0.1'));
    kit.guard.blocked.length = 0;
  });
});

describe('google-calendar: credentials that cannot work are refused before any request', () => {
  const refused = async (options: Parameters<typeof createAuthClient>[0]) => {
    const error = await createAuthClient(options, kit.job.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceInputError);
    expect(kit.guard.connections).toEqual([]);
    return (error as Error).message;
  };

  it('says what is missing or contradictory', async () => {
    expect(await refused({})).toContain('no credentials: set accessToken');
    expect(await refused({ accessToken: 'a', credentials: '{}' })).toContain('not both');
    expect(await refused({ accessToken: 'a', subject: SUBJECT })).toContain('subject (the user to impersonate) needs credentials');
    expect(await refused({ accessToken: '  ' })).toContain('accessToken is empty');
  });

  it('never quotes the key it could not read', async () => {
    const broken = `${JSON.stringify(KEY).slice(0, -10)}`;
    const message = await refused({ credentials: broken });
    expect(message).toBe('credentials is not valid JSON; expected a service account key as downloaded from the Google Cloud console');
    expect(message).not.toContain('PRIVATE KEY');
    expect(await refused({ credentials: JSON.stringify({ type: 'authorized_user', refresh_token: 'r' }) })).toContain('is a "authorized_user" credential');
    expect(await refused({ credentials: JSON.stringify({ ...KEY, private_key: undefined }) })).toContain('lacks private_key');
    expect(await refused({ credentials: 'missing.json' })).toContain(`ENOENT for ${path.join(kit.job.dir, 'missing.json')}`);
  });

  it('an access token client carries the token and the read-only scope, nothing to refresh with', () => {
    const client = accessTokenClient(' tok ');
    expect(client.credentials).toEqual({ access_token: 'tok', scope: CALENDAR_READONLY_SCOPE });
  });
});
