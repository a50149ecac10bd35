/**
 * The login URL answered, but not with an OAuth token response (a JSON object): an HTML page, a proxy's
 * error, anything else. The URL is most likely not a Salesforce login URL. Carries the status and content
 * type only: the body is not repeated (it may be anything).
 */
export class TokenResponseError extends Error {
  constructor(
    /** The login URL whose token endpoint answered. */
    readonly loginUrl: string,
    /** The HTTP status of the answer. */
    readonly status: number,
    /** Its Content-Type header; undefined when it had none. */
    readonly contentType: string | undefined,
  ) {
    super(`${loginUrl} answered HTTP ${status}${contentType ? ` (${contentType})` : ''}, not an OAuth token response`);
    this.name = 'TokenResponseError';
  }
}
