import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { LoginUnreachableError } from './login-unreachable-error';
import { identityFromToken, OrgIdentity } from './org-identity';
import { escapeUnprintable, printable, redactSecrets } from '../config';
import { SalesforceCredentials, tokenRequest } from './salesforce-credentials';
import { SessionOrgChangedError } from './session-org-changed-error';
import { TokenResponseError } from './token-response-error';
import { NULL_BODY_STATUSES, responseHeaders, UndecodedFetch, undecodedFetch } from './undecoded-fetch';

/** The error code of an answer that is not JSON where the API answers JSON (an HTML page, a proxy's text). */
export const NOT_JSON_ANSWER = 'SFETL_NOT_JSON';

/** The error code of a web page where a job's result CSV was expected. */
export const NOT_CSV_ANSWER = 'SFETL_NOT_CSV';

/** The error code of a result CSV compressed in a way we did not ask for (only gzip is asked for). */
export const UNEXPECTED_ENCODING_ANSWER = 'SFETL_CONTENT_ENCODING';

/** An API answer that is not success: the HTTP status and Salesforce's error code and message. */
export class SalesforceApiError extends Error {
  /** What the answer said, with every token and credential in it redacted. */
  readonly detail: string;

  constructor(
    readonly status: number,
    readonly errorCode: string,
    detail: string,
    readonly method: string,
    readonly path: string,
  ) {
    // Whoever built it, the error never repeats a token an answer echoed (an Authorization header, a session id).
    const shown = redactSecrets(detail);
    super(`${method} ${path}: HTTP ${status} ${printable(errorCode)}: ${shown}`);
    this.detail = shown;
    this.name = 'SalesforceApiError';
  }
}

/** The org refused our credentials; says which env's secret to check. Never carries a secret. */
export class SalesforceAuthError extends Error {
  constructor(
    readonly loginUrl: string,
    readonly error: string,
    readonly description: string,
  ) {
    super(`login at ${loginUrl} refused: ${error}: ${description}`);
    this.name = 'SalesforceAuthError';
  }
}

/** Field metadata the preflight needs (a subset of the describe result). */
export interface FieldDescribe {
  readonly name: string;
  readonly type: string;
  readonly nillable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly defaultedOnCreate: boolean;
  readonly externalId: boolean;
  readonly idLookup: boolean;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
}

export interface SObjectDescribe {
  readonly name: string;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  readonly fields: readonly FieldDescribe[];
}

/** Bulk API 2.0 ingest job info (the fields we read). */
export interface IngestJobInfo {
  readonly id: string;
  readonly state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  readonly object: string;
  readonly operation: string;
  readonly numberRecordsProcessed?: number;
  readonly numberRecordsFailed?: number;
  readonly errorMessage?: string;
}

export type ResultKind = 'successfulResults' | 'failedResults' | 'unprocessedrecords';

/** What one result download saved and what it cost on the wire. */
export interface ResultDownload {
  /** Bytes of the CSV saved. */
  readonly bytes: number;
  /** Bytes of the answer's body as it was received: the compressed size when `compressed`. */
  readonly wireBytes: number;
  /** The org answered gzip-compressed. */
  readonly compressed: boolean;
}

export interface SalesforceApiProps {
  readonly instanceUrl: string;
  readonly loginUrl: string;
  /** e.g. "66.0" */
  readonly apiVersion: string;
  readonly credentials: SalesforceCredentials;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Tries per call on 5xx, 429 and network errors (uploads: 1, see send). @default 6 */
  readonly httpAttempts?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Sends a request whose body is a local file (job uploads). @default {@link sendFile} */
  readonly sendFile?: FileSender;
  /** Fetches an answer whose body we decompress ourselves (result downloads). @default {@link undecodedFetch} */
  readonly fetchUndecoded?: UndecodedFetch;
  /** How long the token endpoint may take to answer before the login URL counts as unreachable. @default 60000 */
  readonly loginTimeoutMs?: number;
}

/** Sends `file` as the body of a request and answers as fetch does. */
export type FileSender = (
  url: string,
  init: { readonly method: string; readonly headers: Record<string, string>; readonly file: string },
) => Promise<Response>;

interface RequestOptions {
  readonly body?: () => NonNullable<RequestInit['body']>;
  /** A local file to send as the body, instead of `body`. */
  readonly file?: string;
  readonly contentType?: string;
  readonly contentLength?: number;
  readonly accept?: string;
  /** The Accept-Encoding to send; set, the answer's body comes undecoded (see {@link UndecodedFetch}). */
  readonly acceptEncoding?: string;
}

/**
 * The REST and Bulk API 2.0 calls the loader makes, over fetch. We drive the job lifecycle ourselves
 * (see docs/architecture.md): uploads are re-sent from files, results are streamed to files, and an
 * expired session is renewed with the same credentials and the call repeated once.
 */
export class SalesforceApi {
  private accessToken?: string;
  private instanceUrl: string;
  private loggedInAs?: OrgIdentity;
  private readonly fetch: typeof fetch;
  private readonly sendFile: FileSender;
  private readonly fetchUndecoded: UndecodedFetch;
  private readonly httpAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** How many times the session was (re)established. */
  sessions = 0;

  constructor(private readonly props: SalesforceApiProps) {
    this.instanceUrl = props.instanceUrl.replace(/\/$/, '');
    this.fetch = props.fetch ?? globalThis.fetch;
    this.httpAttempts = props.httpAttempts ?? 6;
    this.sleep = props.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.sendFile = props.sendFile ?? sendFile;
    this.fetchUndecoded = props.fetchUndecoded ?? undecodedFetch();
  }

  /**
   * The org of the current session, as its token response named it; undefined before the first login. The
   * caller checks it against the configuration (the token may belong to another org than the one configured).
   */
  get identity(): OrgIdentity | undefined {
    return this.loggedInAs;
  }

  private get base(): string {
    return `/services/data/v${this.props.apiVersion}`;
  }

  /**
   * Gets a new session with the configured credentials.
   *
   * @throws LoginUnreachableError when the token endpoint cannot be reached or does not answer in time
   * @throws TokenResponseError when it answers with something else than a JSON object (an HTML page)
   * @throws SalesforceAuthError when the org refuses the credentials
   */
  async login(): Promise<void> {
    const loginUrl = this.props.loginUrl.replace(/\/$/, '');
    const timeoutMs = this.props.loginTimeoutMs ?? 60_000;
    // Our own timer rather than AbortSignal.timeout: whether it fired is then known without reading error names.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(`${loginUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: tokenRequest(this.props.credentials, loginUrl).toString(),
        signal: controller.signal,
      });
      text = await res.text();
    } catch (err) {
      throw new LoginUnreachableError(
        loginUrl,
        timedOut ? `no answer within ${timeoutMs / 1000} s` : networkReason(err),
      );
    } finally {
      clearTimeout(timer);
    }
    const body = jsonObject(text);
    if (body === undefined) {
      throw new TokenResponseError(loginUrl, res.status, res.headers.get('content-type') ?? undefined);
    }
    if (!res.ok || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new SalesforceAuthError(
        loginUrl,
        typeof body.error === 'string' ? body.error : `HTTP ${res.status}`,
        typeof body.error_description === 'string' ? body.error_description : 'no access token',
      );
    }
    const identity = identityFromToken(body, this.props.instanceUrl.replace(/\/$/, ''));
    // A renewal (the session expired mid-run) must lead to the org the caller checked after the first login.
    if (this.loggedInAs && !sameOrg(this.loggedInAs, identity)) {
      throw new SessionOrgChangedError(loginUrl, this.loggedInAs, identity);
    }
    this.accessToken = body.access_token;
    this.loggedInAs = identity;
    // Calls go where the token says its org is; the caller has checked that this is the configured org.
    this.instanceUrl = this.loggedInAs.instanceUrl;
    this.sessions++;
  }

  private async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    if (!this.accessToken) await this.login();
    // An upload is never repeated here: its outcome is unknown after a failure, so the caller checks the job.
    const attempts = options.file === undefined ? this.httpAttempts : 1;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${this.accessToken}`,
        Accept: options.accept ?? 'application/json',
      };
      if (options.contentType) headers['Content-Type'] = options.contentType;
      if (options.contentLength !== undefined) headers['Content-Length'] = String(options.contentLength);
      if (options.acceptEncoding !== undefined) headers['Accept-Encoding'] = options.acceptEncoding;
      const url = `${this.instanceUrl}${path}`;
      let res: Response;
      try {
        if (options.file !== undefined) res = await this.sendFile(url, { method, headers, file: options.file });
        else if (options.acceptEncoding !== undefined) res = await this.fetchUndecoded(url, { method, headers });
        else res = await this.fetch(url, { method, headers, body: options.body?.() });
      } catch (err) {
        // Network errors (reset, refused, timeout): transient, retried with backoff.
        if (attempt >= attempts) {
          throw new SalesforceApiError(0, 'NETWORK_ERROR', (err as Error).message, method, path.replace(/\?.*$/, ''));
        }
        await this.backoff(attempt);
        continue;
      }
      if (res.ok) return res;
      const error = await apiError(res, method, path, secretValues(this.props.credentials, this.accessToken));
      // A session that expired mid-run is renewed; the call did not take effect, so it is safe to repeat.
      if (error.status === 401 && error.errorCode === 'INVALID_SESSION_ID' && !renewed) {
        renewed = true;
        await this.login();
        attempt--;
        continue;
      }
      if (TRANSIENT_STATUSES.has(error.status) && attempt < attempts) {
        renewed = false;
        await this.backoff(attempt, res.headers.get('retry-after'));
        continue;
      }
      throw error;
    }
  }

  /** Exponential backoff with full jitter (AWS architecture blog), honouring Retry-After when given. */
  private backoff(attempt: number, retryAfter?: string | null): Promise<void> {
    const hinted = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
    const cap = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
    return this.sleep(Math.max(hinted, Math.random() * cap));
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, {
      ...(body === undefined ? {} : { body: () => JSON.stringify(body), contentType: 'application/json' }),
    });
    const text = await res.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      // Answered, but not by the API: a login or maintenance page, a proxy, another server at that address.
      const detail = answerMessages.notJson(res.headers.get('content-type'), this.instanceUrl);
      throw new SalesforceApiError(res.status, NOT_JSON_ANSWER, detail, method, path.replace(/\?.*$/, ''));
    }
  }

  /** Object names of the org (global describe). */
  async objectNames(): Promise<string[]> {
    const global = await this.json<{ sobjects: { name: string }[] }>('GET', `${this.base}/sobjects`);
    return global.sobjects.map((s) => s.name);
  }

  /** Describes an object; undefined when the org has no such object. */
  async describe(objectName: string): Promise<SObjectDescribe | undefined> {
    try {
      return await this.json<SObjectDescribe>(
        'GET',
        `${this.base}/sobjects/${encodeURIComponent(objectName)}/describe`,
      );
    } catch (err) {
      if (err instanceof SalesforceApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async query<T = Record<string, unknown>>(soql: string): Promise<{ totalSize: number; records: T[] }> {
    return this.json('GET', `${this.base}/query?q=${encodeURIComponent(soql)}`);
  }

  async createIngestJob(request: {
    object: string;
    operation: string;
    externalIdFieldName?: string;
  }): Promise<IngestJobInfo> {
    return this.json('POST', `${this.base}/jobs/ingest`, {
      ...request,
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    });
  }

  /** Uploads a job's CSV from a file (so the same bytes can be sent again). */
  async uploadJobData(jobId: string, file: string): Promise<void> {
    const { size } = await stat(file);
    const res = await this.send('PUT', `${this.base}/jobs/ingest/${jobId}/batches`, {
      file,
      contentType: 'text/csv',
      contentLength: size,
    });
    await res.arrayBuffer();
  }

  async closeJob(jobId: string): Promise<IngestJobInfo> {
    return this.json('PATCH', `${this.base}/jobs/ingest/${jobId}`, { state: 'UploadComplete' });
  }

  async abortJob(jobId: string): Promise<IngestJobInfo> {
    return this.json('PATCH', `${this.base}/jobs/ingest/${jobId}`, { state: 'Aborted' });
  }

  async getJob(jobId: string): Promise<IngestJobInfo> {
    return this.json('GET', `${this.base}/jobs/ingest/${jobId}`);
  }

  async deleteJob(jobId: string): Promise<void> {
    await this.send('DELETE', `${this.base}/jobs/ingest/${jobId}`);
  }

  /**
   * Streams one result CSV of a finished job into a file, without holding it in memory; retried whole.
   *
   * Asks for it gzip-compressed, as Salesforce documents for result downloads ("Use Compression for Bulk API
   * 2.0 Ingest Responses",
   * https://developer.salesforce.com/docs/platform/api-asynch/guide/datafiles-use-compression.html):
   * `Accept-Encoding: gzip` is answered with `Content-Encoding: gzip`, but "the REST framework sometimes doesn't
   * send back the response in a compressed format", so an uncompressed answer is saved as it is. The body comes
   * undecoded (see {@link UndecodedFetch}) and is decompressed here, once, as it streams to the file; a gzip
   * stream that ends early is an error, and the download starts again.
   */
  async downloadResults(jobId: string, kind: ResultKind, file: string): Promise<ResultDownload> {
    for (let attempt = 1; ; attempt++) {
      try {
        const path = `${this.base}/jobs/ingest/${jobId}/${kind}/`;
        const res = await this.send('GET', path, { accept: 'text/csv', acceptEncoding: 'gzip' });
        // Result CSVs come as text/csv (sometimes without a charset); a web page here is a proxy or a
        // maintenance page answering in the org's place, and must not be read as the job's results.
        if (/^\s*text\/html\b/i.test(res.headers.get('content-type') ?? '')) {
          await res.body?.cancel();
          const detail = answerMessages.notCsv(res.headers.get('content-type'), this.instanceUrl);
          throw new SalesforceApiError(res.status, NOT_CSV_ANSWER, detail, 'GET', path);
        }
        const coding = contentCoding(res.headers.get('content-encoding'));
        if (coding === undefined) {
          await res.body?.cancel();
          const detail = answerMessages.unexpectedEncoding(res.headers.get('content-encoding'));
          throw new SalesforceApiError(res.status, UNEXPECTED_ENCODING_ANSWER, detail, 'GET', path);
        }
        const out = createWriteStream(file);
        if (!res.body) {
          out.end();
          await finished(out);
          return { bytes: 0, wireBytes: 0, compressed: false };
        }
        let wireBytes = 0;
        const counted = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            wireBytes += chunk.length;
            done(null, chunk);
          },
        });
        const received = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
        if (coding === 'gzip') await pipeline(received, counted, createGunzip(), out);
        else await pipeline(received, counted, out);
        return { bytes: out.bytesWritten, wireBytes, compressed: coding === 'gzip' };
      } catch (err) {
        // A stream cut mid-way is fetched again from the start (results are stable once a job ended).
        if (err instanceof SalesforceApiError || attempt >= this.httpAttempts) throw err;
        await this.backoff(attempt);
      }
    }
  }
}

/**
 * The coding of an answer's body by its Content-Encoding: none (or `identity`) and gzip (`x-gzip` is its alias,
 * RFC 9110 section 8.4.1.3); undefined for anything else, which we never ask for.
 */
function contentCoding(header: string | null): 'identity' | 'gzip' | undefined {
  const coding = (header ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return 'identity';
  return coding === 'gzip' || coding === 'x-gzip' ? 'gzip' : undefined;
}

/** The parsed text when it is a JSON object (as every OAuth token response is), else undefined. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the network said about a failed request: fetch only says "fetch failed", its cause names the
 * problem (`connect ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND …`, a connect timeout). Read by shape,
 * not instanceof: undici's errors may come from another realm (a test runner's VM context) than ours.
 */
function networkReason(err: unknown): string {
  const message = (value: unknown) =>
    typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string'
      ? (value as { message: string }).message
      : undefined;
  const cause = typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
  return message(cause) || message(err) || String(err);
}

/** Answers worth another try: throttling and server-side trouble. */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
const BASE_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 15_000;

/**
 * Sends a file over node:http(s), reading it only as fast as the socket drains. fetch (undici) keeps every
 * chunk of a streamed request body in memory until the answer arrives (nodejs/undici#4058): 100 MB per
 * job upload in flight. The answer (201 with no body, or a short error) is read whole.
 */
export const sendFile: FileSender = (url, { method, headers, file }) =>
  new Promise<Response>((resolve, reject) => {
    const target = new URL(url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(target, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 500;
        resolve(
          new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), {
            status,
            statusText: res.statusMessage,
            headers: responseHeaders(res.headers),
          }),
        );
      });
    });
    req.on('error', reject);
    createReadStream(file)
      .on('error', (err) => req.destroy(err))
      .pipe(req);
  });

/**
 * An error answer as a SalesforceApiError: Salesforce's error code and message when the body is its JSON, else
 * what the body says, in short. Either way `secrets` (the credentials' own values, the session's token) and
 * every other credential the body may echo are redacted.
 */
async function apiError(
  res: Response,
  method: string,
  path: string,
  secrets: readonly string[] = [],
): Promise<SalesforceApiError> {
  const text = await res.text().catch(() => '');
  const where = path.replace(/\?.*$/, '');
  let body: unknown;
  let isJson = true;
  try {
    body = JSON.parse(text);
  } catch {
    isJson = false;
  }
  if (!isJson) {
    const detail =
      text.trim() === ''
        ? answerMessages.empty
        : answerMessages.notJsonError(res.headers.get('content-type'), excerpt(text, secrets));
    return new SalesforceApiError(res.status, `HTTP_${res.status}`, detail, method, where);
  }
  const first = Array.isArray(body) ? (body[0] as unknown) : body;
  const field = (name: string): string | undefined => {
    const value = typeof first === 'object' && first !== null ? (first as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  const errorCode = field('errorCode') ?? field('error') ?? `HTTP_${res.status}`;
  const message = field('message') ?? field('error_description') ?? text;
  return new SalesforceApiError(res.status, errorCode, excerpt(message, secrets), method, where);
}

/** Same host (and port) of the instance URL and, where both are known, the same org id (15-character form). */
function sameOrg(a: OrgIdentity, b: OrgIdentity): boolean {
  const host = (url: string) => {
    try {
      return new URL(url).host.toLowerCase();
    } catch {
      return url.toLowerCase();
    }
  };
  if (host(a.instanceUrl) !== host(b.instanceUrl)) return false;
  return a.orgId === undefined || b.orgId === undefined || a.orgId.slice(0, 15) === b.orgId.slice(0, 15);
}
/** What an answer may show of itself in a message, at most. */
const MAX_EXCERPT_CHARS = 300;

/**
 * What an answer said, fit to repeat in one line: credentials redacted first, an HTML page reduced to its
 * title (or its text without tags), runs of white space as one space, other control characters escaped, cut.
 */
function excerpt(text: string, secrets: readonly string[]): string {
  const redacted = redactSecrets(text, secrets);
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(redacted)?.[1];
  const plain = /<[a-z!/][^>]*>/i.test(redacted) ? (title ?? redacted.replace(/<[^>]*>/g, ' ')) : redacted;
  const line = escapeUnprintable(plain.replace(/\s+/g, ' ').trim());
  return line.length > MAX_EXCERPT_CHARS ? `${line.slice(0, MAX_EXCERPT_CHARS - 1)}…` : line;
}

/** The values an error answer must never repeat: the credentials' secret and the session's access token. */
function secretValues(credentials: SalesforceCredentials, accessToken: string | undefined): string[] {
  const secret = credentials.type === 'client_credentials' ? credentials.clientSecret : credentials.privateKey;
  return accessToken === undefined ? [secret] : [secret, accessToken];
}

/** A Content-Type as a message names it: the media type alone, or that there was none. */
function mediaType(contentType: string | null): string {
  const type = contentType?.split(';')[0]?.trim() ?? '';
  return type === '' ? 'no content type' : printable(type);
}

/** Where the API calls went, as a message may name it: scheme, host and port. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the instance URL';
  }
}

/** What the API part says about answers it cannot use; each says what to check. */
const answerMessages = {
  notJson: (contentType: string | null, instanceUrl: string) =>
    `the org answered with ${mediaType(contentType)} instead of JSON; check that ${origin(instanceUrl)} is the org's instance URL (instanceUrl in the configuration), that no proxy answers in its place, and whether the org shows a maintenance page`,
  notJsonError: (contentType: string | null, said: string) =>
    `the org answered with ${mediaType(contentType)} instead of JSON ("${said}"); check that instanceUrl in the configuration is the org's, that no proxy answers in its place, and whether the org shows a maintenance page`,
  empty: 'the org answered with an empty body; check the org, and that no proxy answers in its place',
  unexpectedEncoding: (contentEncoding: string | null) =>
    `the org answered a job's results compressed as "${printable(contentEncoding ?? '')}", which was not asked for (only gzip is); check that no proxy between here and the org re-encodes its answers, then run again (a rerun resumes and fetches the results again)`,
  notCsv: (contentType: string | null, instanceUrl: string) =>
    `the org answered a job's results with ${mediaType(contentType)} instead of CSV; check that ${origin(instanceUrl)} is the org's instance URL (instanceUrl in the configuration), that no proxy answers in its place, and whether the org shows a maintenance page; then run again (a rerun resumes and fetches the results again)`,
} as const;
