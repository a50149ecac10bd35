/**
 * The org a session belongs to, as the OAuth token response names it. Salesforce answers the client
 * credentials and the JWT bearer flows with `instance_url`, the org's own URL that API calls go to, and `id`,
 * the identity URL `https://<login host>/id/<orgId>/<userId>` (Salesforce Help: "OAuth 2.0 Client Credentials
 * Flow for Server-to-Server Integration" and "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration";
 * "Identity URLs").
 */
export interface OrgIdentity {
  /** The token's `instance_url` without a trailing slash (the configured instance URL if the answer had none). */
  readonly instanceUrl: string;
  /** The org id in the identity URL, as Salesforce writes it (18 characters); undefined without a usable `id`. */
  readonly orgId?: string;
  /** The user id in the identity URL (the user the session acts as); undefined without a usable `id`. */
  readonly userId?: string;
}

/** `/id/<orgId>/<userId>`: an org id (key prefix 00D) and a user id (005), 15 or 18 characters each. */
const IDENTITY_PATH = /^\/id\/(00D[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?)\/(005[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?)\/?$/;

/** The identity a token response names; `configuredInstanceUrl` stands in for a missing `instance_url`. */
export function identityFromToken(body: Readonly<Record<string, unknown>>, configuredInstanceUrl: string): OrgIdentity {
  const instanceUrl = typeof body.instance_url === 'string' && body.instance_url !== '' ? body.instance_url : undefined;
  const identity = { instanceUrl: (instanceUrl ?? configuredInstanceUrl).replace(/\/+$/, '') };
  if (typeof body.id !== 'string') return identity;
  let path: string;
  try {
    path = new URL(body.id).pathname;
  } catch {
    return identity;
  }
  const match = IDENTITY_PATH.exec(path);
  return match ? { ...identity, orgId: match[1], userId: match[2] } : identity;
}
