import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { JWT_BEARER_GRANT, OAuthError, OAuthServer, OAuthSettings } from '../src/oauth';
import { newSalesforceId } from '../src/salesforce-id';

const LOGIN_URL = 'http://127.0.0.1:8443';
const START = Date.parse('2026-03-01T12:00:00.000Z');

const appKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

const SETTINGS: OAuthSettings = {
  orgId: newSalesforceId('00D', 7),
  userId: newSalesforceId('005', 7),
  username: 'integration@dev.example.com',
  clientId: '3MVG9-test-client-id',
  clientSecret: 'TEST-CLIENT-SECRET',
  refreshToken: '5Aep861-test-refresh-token',
  password: 'pa55wordTOKEN',
  jwtCertificate: appKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};

/** An org's OAuth server whose clock the test moves. */
function server(settings: Partial<OAuthSettings> = {}): { oauth: OAuthServer; clock: { now: number } } {
  const clock = { now: START };
  return {
    oauth: new OAuthServer(
      { ...SETTINGS, ...settings },
      () => LOGIN_URL,
      () => clock.now,
    ),
    clock,
  };
}

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

function oauthError(request: () => unknown): OAuthError {
  try {
    request();
  } catch (err) {
    if (err instanceof OAuthError) return err;
    throw err;
  }
  throw new Error('expected the token request to be refused');
}

/** The `{error, error_description}` body the token endpoint answers a refused request with. */
function refusal(request: () => unknown): { status: number; error: string; error_description: string } {
  const err = oauthError(request);
  return { status: err.status, error: err.error, error_description: err.description };
}

interface Claims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
}

const VALID_CLAIMS: Claims = {
  iss: SETTINGS.clientId,
  sub: SETTINGS.username,
  aud: LOGIN_URL,
  exp: START / 1000 + 180,
};

/** A JWT bearer assertion signed as a client would sign it (RS256). */
function assertion(claims: Claims, key: KeyObject = appKey.privateKey, header: object = { alg: 'RS256' }): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(claims)}`;
  return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), key).toString('base64url')}`;
}

function jwtGrant(oauth: OAuthServer, claims: Claims, key?: KeyObject, header?: object): Record<string, string> {
  return oauth.token(form({ grant_type: JWT_BEARER_GRANT, assertion: assertion(claims, key, header) }));
}

describe('client credentials grant', () => {
  test('issues a bearer token for the right client id and secret', () => {
    const { oauth } = server();
    const token = oauth.token(
      form({ grant_type: 'client_credentials', client_id: SETTINGS.clientId, client_secret: SETTINGS.clientSecret }),
    );
    expect(token).toEqual({
      access_token: expect.stringMatching(new RegExp(`^${SETTINGS.orgId.slice(0, 15)}!\\S+$`)),
      signature: expect.any(String),
      scope: 'api',
      instance_url: LOGIN_URL,
      id: `${LOGIN_URL}/id/${SETTINGS.orgId}/${SETTINGS.userId}`,
      token_type: 'Bearer',
      issued_at: String(START),
    });
  });

  test('the issued token authenticates API calls', () => {
    const { oauth } = server();
    const { access_token } = oauth.token(
      form({ grant_type: 'client_credentials', client_id: SETTINGS.clientId, client_secret: SETTINGS.clientSecret }),
    );
    expect(oauth.authenticate(access_token)).toBe(true);
  });

  test('accepts the client credentials in the Basic authorization header', () => {
    const { oauth } = server();
    const token = oauth.token(form({ grant_type: 'client_credentials' }), {
      id: SETTINGS.clientId,
      secret: SETTINGS.clientSecret,
    });
    expect(token.token_type).toBe('Bearer');
  });

  test('refuses an unknown client id with invalid_client_id', () => {
    const { oauth } = server();
    expect(
      refusal(() =>
        oauth.token(
          form({ grant_type: 'client_credentials', client_id: 'someone-else', client_secret: SETTINGS.clientSecret }),
        ),
      ),
    ).toEqual({ status: 400, error: 'invalid_client_id', error_description: 'client identifier invalid' });
  });

  test('refuses a wrong client secret with invalid_client', () => {
    const { oauth } = server();
    expect(
      refusal(() =>
        oauth.token(form({ grant_type: 'client_credentials', client_id: SETTINGS.clientId, client_secret: 'wrong' })),
      ),
    ).toEqual({ status: 400, error: 'invalid_client', error_description: 'invalid client credentials' });
  });

  test('refuses a request without a client secret with invalid_client', () => {
    const { oauth } = server();
    expect(
      refusal(() => oauth.token(form({ grant_type: 'client_credentials', client_id: SETTINGS.clientId }))),
    ).toEqual({
      status: 400,
      error: 'invalid_client',
      error_description: 'invalid client credentials',
    });
  });
});

describe('refresh token grant', () => {
  test('issues a token for the org refresh token', () => {
    const { oauth } = server();
    const token = oauth.token(
      form({ grant_type: 'refresh_token', client_id: SETTINGS.clientId, refresh_token: SETTINGS.refreshToken! }),
    );
    expect(oauth.authenticate(token.access_token)).toBe(true);
  });

  test('refuses another refresh token with invalid_grant', () => {
    const { oauth } = server();
    expect(
      refusal(() =>
        oauth.token(form({ grant_type: 'refresh_token', client_id: SETTINGS.clientId, refresh_token: 'stale' })),
      ),
    ).toEqual({ status: 400, error: 'invalid_grant', error_description: 'expired access/refresh token' });
  });
});

describe('username-password grant', () => {
  const passwordForm = (password: string) =>
    form({
      grant_type: 'password',
      client_id: SETTINGS.clientId,
      client_secret: SETTINGS.clientSecret,
      username: SETTINGS.username,
      password,
    });

  test('is blocked by default, as in orgs created since Summer 23, even with the right password', () => {
    const { oauth } = server();
    expect(refusal(() => oauth.token(passwordForm(SETTINGS.password!)))).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'authentication failure',
    });
  });

  test('issues a token when the org allows it', () => {
    const { oauth } = server({ allowUsernamePassword: true });
    expect(oauth.authenticate(oauth.token(passwordForm(SETTINGS.password!)).access_token)).toBe(true);
  });

  test('refuses a wrong password when the org allows the grant', () => {
    const { oauth } = server({ allowUsernamePassword: true });
    expect(refusal(() => oauth.token(passwordForm('guess')))).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'authentication failure',
    });
  });
});

describe('other grants', () => {
  test.each(['authorization_code', 'device_code', ''])('refuses grant_type %p with unsupported_grant_type', (grant) => {
    const { oauth } = server();
    expect(refusal(() => oauth.token(form({ grant_type: grant, client_id: SETTINGS.clientId })))).toEqual({
      status: 400,
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
  });
});

describe('JWT bearer grant', () => {
  test('issues a token for an assertion signed with the connected app key', () => {
    const { oauth } = server();
    const token = jwtGrant(oauth, VALID_CLAIMS);
    expect(token).not.toHaveProperty('refresh_token');
    expect(oauth.authenticate(token.access_token)).toBe(true);
  });

  test.each(['https://login.salesforce.com', 'https://test.salesforce.com', `${LOGIN_URL}/`])(
    'accepts the audience %s',
    (aud) => {
      const { oauth } = server();
      expect(jwtGrant(oauth, { ...VALID_CLAIMS, aud }).token_type).toBe('Bearer');
    },
  );

  test('accepts an extra audience from the settings', () => {
    const { oauth } = server({ jwtAudiences: ['https://login.example.org'] });
    expect(jwtGrant(oauth, { ...VALID_CLAIMS, aud: 'https://login.example.org' }).token_type).toBe('Bearer');
  });

  test('refuses an expired assertion', () => {
    const { oauth } = server();
    expect(refusal(() => jwtGrant(oauth, { ...VALID_CLAIMS, exp: START / 1000 - 1 }))).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'expired authorization code',
    });
  });

  test('refuses an assertion without exp', () => {
    const { oauth } = server();
    expect(refusal(() => jwtGrant(oauth, { ...VALID_CLAIMS, exp: undefined })).error_description).toBe(
      'expired authorization code',
    );
  });

  test('refuses an assertion for another audience', () => {
    const { oauth } = server();
    expect(refusal(() => jwtGrant(oauth, { ...VALID_CLAIMS, aud: 'https://evil.example.com' }))).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'audience is invalid',
    });
  });

  test('refuses an assertion from an unknown issuer with invalid_client_id', () => {
    const { oauth } = server();
    expect(refusal(() => jwtGrant(oauth, { ...VALID_CLAIMS, iss: 'someone-else' }))).toEqual({
      status: 400,
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    });
  });

  test('refuses an assertion signed by another key', () => {
    const { oauth } = server();
    expect(refusal(() => jwtGrant(oauth, VALID_CLAIMS, otherKey.privateKey))).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'invalid assertion',
    });
  });

  test('refuses an assertion whose header names another algorithm', () => {
    const { oauth } = server();
    expect(refusal(() => jwtGrant(oauth, VALID_CLAIMS, appKey.privateKey, { alg: 'none' })).error_description).toBe(
      'invalid assertion',
    );
  });

  test('refuses an assertion that is not a JWT', () => {
    const { oauth } = server();
    expect(refusal(() => oauth.token(form({ grant_type: JWT_BEARER_GRANT, assertion: 'not-a-jwt' })))).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'invalid assertion',
    });
  });

  test('refuses an assertion for another user', () => {
    const { oauth } = server();
    expect(refusal(() => jwtGrant(oauth, { ...VALID_CLAIMS, sub: 'someone@example.com' })).error_description).toBe(
      "user hasn't approved this consumer",
    );
  });

  test('refuses every assertion when the connected app has no certificate', () => {
    const { oauth } = server({ jwtCertificate: undefined });
    expect(refusal(() => jwtGrant(oauth, VALID_CLAIMS)).error_description).toBe('invalid assertion');
  });
});

describe('sessions', () => {
  function clientCredentialsToken(oauth: OAuthServer): string {
    return oauth.token(
      form({ grant_type: 'client_credentials', client_id: SETTINGS.clientId, client_secret: SETTINGS.clientSecret }),
    ).access_token!;
  }

  test('an unknown or missing token does not authenticate', () => {
    const { oauth } = server();
    expect([oauth.authenticate(undefined), oauth.authenticate(''), oauth.authenticate('00D!forged')]).toEqual([
      false,
      false,
      false,
    ]);
  });

  test('with maxCalls the session ends after that many calls', () => {
    const { oauth } = server();
    const token = clientCredentialsToken(oauth);
    expect(Array.from({ length: 4 }, () => oauth.authenticate(token, 3))).toEqual([true, true, true, false]);
  });

  test('a session ended by maxCalls stays ended', () => {
    const { oauth } = server();
    const token = clientCredentialsToken(oauth);
    for (let i = 0; i < 3; i++) oauth.authenticate(token, 2);
    expect(oauth.authenticate(token)).toBe(false);
  });

  test('a session ends when sessionSeconds have passed', () => {
    const { oauth, clock } = server({ sessionSeconds: 60 });
    const token = clientCredentialsToken(oauth);
    clock.now = START + 59_999;
    expect(oauth.authenticate(token)).toBe(true);
    clock.now = START + 60_000;
    expect(oauth.authenticate(token)).toBe(false);
  });

  test('a session lasts two hours by default', () => {
    const { oauth, clock } = server();
    const token = clientCredentialsToken(oauth);
    clock.now = START + 7_199_000;
    expect(oauth.authenticate(token)).toBe(true);
    clock.now = START + 7_200_000;
    expect(oauth.authenticate(token)).toBe(false);
  });

  test('expireAll ends every session', () => {
    const { oauth } = server();
    const tokens = [clientCredentialsToken(oauth), clientCredentialsToken(oauth)];
    oauth.expireAll();
    expect(tokens.map((t) => oauth.authenticate(t))).toEqual([false, false]);
  });

  test('each grant issues a new token', () => {
    const { oauth } = server();
    expect(clientCredentialsToken(oauth)).not.toBe(clientCredentialsToken(oauth));
  });
});
