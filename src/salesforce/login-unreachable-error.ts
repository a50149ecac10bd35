/**
 * The token endpoint could not be reached: connection refused, a host name that does not resolve, no answer
 * in time. Not a refusal of the credentials: they were never looked at. Says which login URL, never a secret.
 */
export class LoginUnreachableError extends Error {
  constructor(
    /** The login URL whose token endpoint was asked. */
    readonly loginUrl: string,
    /** What the network said, e.g. `connect ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND …`. */
    readonly reason: string,
  ) {
    super(`cannot reach ${loginUrl} (${reason})`);
    this.name = 'LoginUnreachableError';
  }
}
