import { createPrivateKey, createSign, KeyObject } from 'node:crypto';

/** Credentials of a connected app, as stored (JSON) in the environment's secret. */
export type SalesforceCredentials =
  | { readonly type: 'client_credentials'; readonly clientId: string; readonly clientSecret: string }
  | { readonly type: 'jwt'; readonly clientId: string; readonly username: string; readonly privateKey: string };

/** A secret whose content does not fit its auth type; names the secret and the missing keys, never values. */
export class CredentialsFormatError extends Error {
  constructor(
    readonly secretId: string,
    detail: string,
  ) {
    super(`secret ${secretId}: ${detail}`);
    this.name = 'CredentialsFormatError';
  }
}

/** Reads the credentials of `type` out of a secret's JSON. */
export function parseCredentials(
  type: 'client_credentials' | 'jwt',
  secret: Record<string, unknown>,
  secretId: string,
): SalesforceCredentials {
  const wanted = type === 'client_credentials' ? ['clientId', 'clientSecret'] : ['clientId', 'username', 'privateKey'];
  const missing = wanted.filter((k) => typeof secret[k] !== 'string' || secret[k] === '');
  if (missing.length > 0) {
    throw new CredentialsFormatError(
      secretId,
      `auth type ${type} needs the keys ${wanted.join(', ')}; missing or empty: ${missing.join(', ')}. Put them in the secret as JSON strings`,
    );
  }
  if (type === 'client_credentials') {
    return { type, clientId: secret.clientId as string, clientSecret: secret.clientSecret as string };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(secret.privateKey as string);
  } catch {
    throw new CredentialsFormatError(
      secretId,
      'privateKey is not a PEM private key; store the connected app key in PEM form',
    );
  }
  // Checked here, before any request: signing an RS256 assertion with an EC or Ed25519 key fails deep in
  // the login with "Unsupported crypto operation", which reads like an unreachable org.
  if (key.asymmetricKeyType !== 'rsa') {
    const keyType = key.asymmetricKeyType ?? 'unknown';
    throw new CredentialsFormatError(
      secretId,
      `privateKey is ${/^[aeiorux]/.test(keyType) ? 'an' : 'a'} ${keyType} key; Salesforce's JWT bearer flow signs with RS256: store the connected app's RSA private key (PEM)`,
    );
  }
  return {
    type,
    clientId: secret.clientId as string,
    username: secret.username as string,
    privateKey: secret.privateKey as string,
  };
}

/** The OAuth 2.0 token request body for these credentials (a JWT is signed fresh, valid 3 minutes). */
export function tokenRequest(credentials: SalesforceCredentials, loginUrl: string, now = Date.now()): URLSearchParams {
  if (credentials.type === 'client_credentials') {
    return new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    });
  }
  const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = {
    iss: credentials.clientId,
    sub: credentials.username,
    aud: loginUrl.replace(/\/$/, ''),
    exp: Math.floor(now / 1000) + 180,
  };
  const unsigned = `${encode({ alg: 'RS256' })}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(credentials.privateKey).toString('base64url');
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: `${unsigned}.${signature}`,
  });
}
