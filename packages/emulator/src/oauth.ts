import { createHmac, createPublicKey, KeyObject, randomBytes, verify, X509Certificate } from 'node:crypto';

/** The OAuth side of one org: its connected app, its integration user and the sessions it issued. */
export interface OAuthSettings {
  readonly orgId: string;
  readonly userId: string;
  readonly username: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** PEM of the certificate (or public key) uploaded to the connected app for the JWT bearer flow. */
  readonly jwtCertificate?: string;
  /** Audiences accepted in JWT assertions besides the org's own login URL. */
  readonly jwtAudiences?: readonly string[];
  /** A refresh token the user obtained earlier (e.g. through the web-server flow); accepted by the refresh_token grant. */
  readonly refreshToken?: string;
  /** Password (with security token appended) for the username-password grant, when the org allows it. */
  readonly password?: string;
  /** Orgs created since Summer '23 block the username-password flow. @default false */
  readonly allowUsernamePassword?: boolean;
  /** Session lifetime. @default 7200 */
  readonly sessionSeconds?: number;
}

/** A token request the org refuses: HTTP 400 with Salesforce's `{error, error_description}` body. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }
}

interface Session {
  readonly expiresAt: number;
  calls: number;
}

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Issues and checks access tokens for one org. */
export class OAuthServer {
  private readonly sessions = new Map<string, Session>();
  private readonly jwtKey?: KeyObject;

  constructor(
    private readonly settings: OAuthSettings,
    private readonly loginUrl: () => string,
    private readonly clock: () => number = Date.now,
  ) {
    if (settings.jwtCertificate) {
      this.jwtKey = settings.jwtCertificate.includes('BEGIN CERTIFICATE')
        ? new X509Certificate(settings.jwtCertificate).publicKey
        : createPublicKey(settings.jwtCertificate);
    }
  }

  /** Answers POST /services/oauth2/token; `params` are the form fields, `basicAuth` the decoded Basic header. */
  token(params: URLSearchParams, basicAuth?: { id: string; secret: string }): Record<string, string> {
    const grant = params.get('grant_type');
    switch (grant) {
      case 'client_credentials':
        this.checkClient(
          params.get('client_id') ?? basicAuth?.id,
          params.get('client_secret') ?? basicAuth?.secret,
          true,
        );
        return this.issue(false);
      case JWT_BEARER_GRANT:
        this.checkAssertion(params.get('assertion'));
        return this.issue(false);
      case 'refresh_token': {
        this.checkClient(
          params.get('client_id') ?? basicAuth?.id,
          params.get('client_secret') ?? basicAuth?.secret,
          false,
        );
        const token = params.get('refresh_token');
        if (!this.settings.refreshToken || token !== this.settings.refreshToken) {
          throw new OAuthError('invalid_grant', 'expired access/refresh token');
        }
        return this.issue(false);
      }
      case 'password': {
        if (!this.settings.allowUsernamePassword) throw new OAuthError('invalid_grant', 'authentication failure');
        this.checkClient(
          params.get('client_id') ?? basicAuth?.id,
          params.get('client_secret') ?? basicAuth?.secret,
          true,
        );
        if (params.get('username') !== this.settings.username || params.get('password') !== this.settings.password) {
          throw new OAuthError('invalid_grant', 'authentication failure');
        }
        return this.issue(false);
      }
      default:
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  private checkClient(id: string | null | undefined, secret: string | null | undefined, secretRequired: boolean): void {
    if (id !== this.settings.clientId) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    if ((secretRequired || secret) && secret !== this.settings.clientSecret) {
      throw new OAuthError('invalid_client', 'invalid client credentials');
    }
  }

  private checkAssertion(assertion: string | null): void {
    const parts = (assertion ?? '').split('.');
    if (parts.length !== 3) throw new OAuthError('invalid_grant', 'invalid assertion');
    let header: { alg?: string };
    let claims: { iss?: string; sub?: string; aud?: string | string[]; exp?: number };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      throw new OAuthError('invalid_grant', 'invalid assertion');
    }
    if (claims.iss !== this.settings.clientId) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    if (!this.jwtKey) throw new OAuthError('invalid_grant', 'invalid assertion');
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      this.jwtKey,
      Buffer.from(parts[2]!, 'base64url'),
    );
    if (header.alg !== 'RS256' || !signed) throw new OAuthError('invalid_grant', 'invalid assertion');
    const audiences = [
      this.loginUrl(),
      'https://login.salesforce.com',
      'https://test.salesforce.com',
      ...(this.settings.jwtAudiences ?? []),
    ].map((a) => a.replace(/\/$/, ''));
    const claimed = (Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? '']).map((a) => a.replace(/\/$/, ''));
    if (!claimed.some((a) => audiences.includes(a))) throw new OAuthError('invalid_grant', 'audience is invalid');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.clock()) {
      throw new OAuthError('invalid_grant', 'expired authorization code');
    }
    if (claims.sub !== this.settings.username) {
      throw new OAuthError('invalid_grant', "user hasn't approved this consumer");
    }
  }

  private issue(withRefreshToken: boolean): Record<string, string> {
    const token = `${this.settings.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    const issuedAt = String(this.clock());
    this.sessions.set(token, { expiresAt: this.clock() + (this.settings.sessionSeconds ?? 7200) * 1000, calls: 0 });
    const id = `${this.loginUrl()}/id/${this.settings.orgId}/${this.settings.userId}`;
    return {
      access_token: token,
      ...(withRefreshToken && this.settings.refreshToken ? { refresh_token: this.settings.refreshToken } : {}),
      signature: createHmac('sha256', this.settings.clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
      scope: 'api',
      instance_url: this.loginUrl(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }

  /**
   * Checks a bearer token for an API call and counts the call. A session ends when it times out or, with
   * the session-expiry fault, after `maxCalls` calls.
   */
  authenticate(token: string | undefined, maxCalls?: number): boolean {
    if (!token) return false;
    const session = this.sessions.get(token);
    if (!session) return false;
    if (session.expiresAt <= this.clock() || (maxCalls !== undefined && session.calls >= maxCalls)) {
      this.sessions.delete(token);
      return false;
    }
    session.calls++;
    return true;
  }

  /** Ends every session (the emulator's "expire sessions now" control). */
  expireAll(): void {
    this.sessions.clear();
  }
}
