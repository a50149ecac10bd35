import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { apiJson } from './api-json';
import { BandwidthLimiter, throttled } from './bandwidth-limiter';
import { ApiError, MAX_UPLOAD_BYTES } from './bulk-ingest';
import { QueryResultSet } from './bulk-query';
import { describeGlobal, describeSObject, sobjectBasicInfo } from './describe';
import { EmulatedOrg } from './emulated-org';
import { CallFault, FaultConfigError, parseFaultConfig } from './fault-injector';
import { NotEmulatedError } from './not-emulated-error';
import { OAuthError } from './oauth';
import { toCaseSafeId } from './salesforce-id';
import { executeSoql, parseSoql, SoqlError, soqlColumns } from './soql';
import { TrafficCounter } from './traffic-counter';

/** TLS material for serving HTTPS (simple-salesforce only speaks https). */
export interface TlsOptions {
  readonly cert: string;
  readonly key: string;
}

const RELEASES = ['Spring', 'Winter', 'Summer'];

/** Salesforce's release name of an API version (66.0 → Spring '26). */
export function releaseLabel(version: number): string {
  const k = 66 - version;
  const season = RELEASES[((k % 3) + 3) % 3]!;
  const year = 26 - Math.floor((k + 1) / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

const QUERY_PAGE_MAX = 2000;

/** The first API versions with Bulk API 2.0 ingest and query jobs (Bulk API 2.0 Developer Guide). */
const INGEST_SINCE = 41;
const QUERY_JOBS_SINCE = 47;

/** A job's result sets by their path segment; a Map, since the segment is whatever the client asks for. */
const RESULT_KINDS: ReadonlyMap<string, 'successful' | 'failed' | 'unprocessed'> = new Map([
  ['successfulresults', 'successful'],
  ['failedresults', 'failed'],
  ['unprocessedrecords', 'unprocessed'],
] as const);

interface QueryCursor {
  readonly records: Record<string, unknown>[];
  readonly totalSize: number;
  readonly pageSize: number;
  readonly version: string;
}

/** The HTTP face of one emulated org: OAuth, REST, Bulk API 2.0 ingest and the emulator's control endpoint. */
export class OrgHttpServer {
  private server?: Server;
  private readonly cursors = new Map<string, QueryCursor>();
  private cursorCounter = 1;
  /** Bytes through the org's port, for benchmarks (`GET /__emulator/traffic`). */
  readonly traffic = new TrafficCounter();

  constructor(
    readonly org: EmulatedOrg,
    private readonly tls?: TlsOptions,
  ) {}

  async listen(host: string, port: number): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(err) }]);
        else res.destroy();
      });
    };
    this.server = this.tls
      ? createHttpsServer({ cert: this.tls.cert, key: this.tls.key }, handler)
      : createHttpServer(handler);
    this.server.keepAliveTimeout = 30_000;
    this.server.on(this.tls ? 'secureConnection' : 'connection', (socket) => this.traffic.watch(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const hostInUrl = host.includes(':') ? `[${host}]` : host;
    this.org.instanceUrl = `${this.tls ? 'https' : 'http'}://${hostInUrl}:${address.port}`;
    return this.org.instanceUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Repeated slashes in the path are one: Salesforce's CLI stores an access-token login's instance URL with
    // a trailing slash (plugin-auth's org login access-token keeps `URL.href`) and jsforce then joins
    // `<url>/services/data`, so every call it makes there reads `//services/data/…`, and works against real
    // orgs. (Parsed as it came, `//services/…` would even be read as a host named "services".)
    const target = req.url ?? '/';
    const query = target.indexOf('?');
    const pathPart = query < 0 ? target : target.slice(0, query);
    const url = new URL(pathPart.replace(/\/{2,}/g, '/') + (query < 0 ? '' : target.slice(query)), 'http://emulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';

    if (path.startsWith('/__emulator')) return this.control(req, res, method, path);
    if (path === '/services/oauth2/token' && method === 'POST') return this.token(req, res);
    if (path.startsWith('/id/') && method === 'GET') return this.identity(req, res);
    if (path === '/services/oauth2/userinfo' && (method === 'GET' || method === 'POST')) return this.userInfo(req, res);
    if (path === '/services/data' && method === 'GET') return sendJson(res, 200, this.versions());
    if (!path.startsWith('/services/data/')) return notFound(res);

    const match = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
    if (!match) return notFound(res);
    const version = match[1]!;
    const rest = match[2] ?? '';

    // Authentication counts every API call; the session-expiry fault ends a session after N calls.
    const token = bearerToken(req);
    if (!this.org.oauth.authenticate(token, this.org.faults.current.sessionExpiryAfterCalls)) {
      await drain(req);
      this.org.countCall(false);
      return sendJson(res, 401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    }
    const fault = this.org.faults.onApiCall();
    this.org.countCall(fault.reject !== undefined || fault.failAfterEffect !== undefined);
    if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.reject) {
      await drain(req);
      return sendJson(res, fault.reject.status, [{ errorCode: fault.reject.errorCode, message: fault.reject.message }]);
    }
    const v = Number(version);
    if (v < this.org.minApiVersion || v > this.org.maxApiVersion) {
      await drain(req);
      return notFound(res);
    }
    try {
      await this.api(req, res, method, version, rest, url, fault);
    } catch (err) {
      if (err instanceof ApiError) {
        return sendJson(res, err.status, [{ errorCode: err.errorCode, message: err.message }]);
      }
      if (err instanceof SoqlError) return sendJson(res, 400, [{ message: err.message, errorCode: err.errorCode }]);
      throw err;
    }
  }

  private async api(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    version: string,
    rest: string,
    url: URL,
    fault: CallFault,
  ): Promise<void> {
    const org = this.org;
    const reply = (status: number, body: unknown) => {
      if (fault.failAfterEffect) {
        const f = fault.failAfterEffect;
        return sendJson(res, f.status, [{ errorCode: f.errorCode, message: f.message }]);
      }
      return body === undefined ? sendEmpty(res, status) : sendJson(res, status, body);
    };
    const segments = rest
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);

    if (segments.length === 0 && method === 'GET') {
      const base = `/services/data/v${version}`;
      return reply(200, {
        sobjects: `${base}/sobjects`,
        query: `${base}/query`,
        queryAll: `${base}/queryAll`,
        jobs: `${base}/jobs`,
        limits: `${base}/limits`,
      });
    }
    if (segments[0] === 'limits' && method === 'GET') {
      return reply(200, {
        DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
        DailyApiRequests: { Max: 5000000, Remaining: 5000000 },
      });
    }
    if (segments[0] === 'sobjects') {
      if (segments.length === 1 && method === 'GET') return reply(200, describeGlobal(org.querySchemas, version));
      const object = org.querySchemas.get(segments[1]!);
      if (!object) {
        await drain(req);
        return sendJson(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      }
      if (segments.length === 2 && method === 'GET') return reply(200, sobjectBasicInfo(object, version));
      if (segments.length === 3 && segments[2] === 'describe' && method === 'GET') {
        return reply(200, describeSObject(object, org.querySchemas, version, { instanceUrl: org.instanceUrl }));
      }
      if (segments.length === 3 && method === 'GET') {
        const id = toCaseSafeId(segments[2]!);
        const record = id ? org.readRecord(id) : undefined;
        if (!record || record.Id.slice(0, 3) !== object.keyPrefix) {
          return sendJson(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
        }
        const wanted = url.searchParams.get('fields');
        const fields = wanted
          ? wanted.split(',').map((f) => object.fieldsByLowerName.get(f.trim().toLowerCase())?.name ?? f.trim())
          : object.fields.map((f) => f.name);
        const body: Record<string, unknown> = {
          attributes: { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${record.Id}` },
        };
        for (const f of fields) {
          if (!object.fieldsByLowerName.has(f.toLowerCase())) {
            return sendJson(res, 400, [
              { errorCode: 'INVALID_FIELD', message: `No such column '${f}' on sobject of type ${object.name}` },
            ]);
          }
          body[f] = record[f] ?? null;
        }
        return reply(200, body);
      }
      return notFound(res);
    }
    if ((segments[0] === 'query' || segments[0] === 'queryAll') && method === 'GET') {
      if (segments.length === 2) return this.nextPage(res, segments[1]!, reply);
      const q = url.searchParams.get('q');
      if (!q) {
        return sendJson(res, 400, [{ errorCode: 'MALFORMED_QUERY', message: 'A query string has to be specified' }]);
      }
      // A real org answers `columns=true` with what the query would return instead of running it
      // (salesforcecli/plugin-data src/commands/data/query.ts asks for it after the query; see soqlColumns).
      if (url.searchParams.get('columns') === 'true') return reply(200, soqlColumns(parseSoql(q), org.querySchemas));
      // queryAll also reads the recycle bin.
      const withDeleted = segments[0] === 'queryAll';
      const result = executeSoql(
        parseSoql(q),
        {
          schemas: org.querySchemas,
          records: (name) => org.readRecords(name, withDeleted),
          recordById: (id) => org.readRecord(id),
          count: (name) => org.countRecords(name, withDeleted),
        },
        version,
      );
      const batch = /batchSize=(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
      const pageSize = Math.min(QUERY_PAGE_MAX, Math.max(200, batch ? Number(batch[1]) : QUERY_PAGE_MAX));
      const cursor: QueryCursor = { records: result.records, totalSize: result.totalSize, pageSize, version };
      return reply(200, this.page(cursor, 0));
    }
    // "Bulk API 2.0 … is available in API version 41.0 and later" (ingest), "47.0 and later" (query jobs):
    // below that the resource does not exist, and Salesforce answers as for any resource a version lacks
    // (404 NOT_FOUND, as recorded in ballerina-platform/module-ballerinax-salesforce#4).
    if (segments[0] === 'jobs' && segments[1] === 'ingest' && Number(version) >= INGEST_SINCE) {
      return this.ingest(req, res, method, version, segments.slice(2), url, reply, fault);
    }
    if (segments[0] === 'jobs' && segments[1] === 'query' && Number(version) >= QUERY_JOBS_SINCE) {
      return this.queryJobs(req, res, method, version, segments.slice(2), url, reply, fault);
    }
    await drain(req);
    return notFound(res);
  }

  private page(cursor: QueryCursor, offset: number): Record<string, unknown> {
    const records = cursor.records.slice(offset, offset + cursor.pageSize);
    const nextOffset = offset + records.length;
    let nextRecordsUrl: string | undefined;
    if (nextOffset < cursor.records.length) {
      const locator = `01g${String(this.cursorCounter++).padStart(12, '0')}`;
      this.cursors.set(locator, cursor);
      nextRecordsUrl = `/services/data/v${cursor.version}/query/${locator}-${nextOffset}`;
    }
    return {
      totalSize: cursor.totalSize,
      done: nextRecordsUrl === undefined,
      ...(nextRecordsUrl ? { nextRecordsUrl } : {}),
      records,
    };
  }

  private nextPage(res: ServerResponse, locator: string, reply: (status: number, body: unknown) => void): void {
    const [id, offset] = locator.split('-');
    const cursor = this.cursors.get(id ?? '');
    if (!cursor || !offset) {
      return sendJson(res, 400, [{ errorCode: 'INVALID_QUERY_LOCATOR', message: 'invalid query locator' }]);
    }
    this.cursors.delete(id!);
    return reply(200, this.page(cursor, Number(offset)));
  }

  private async ingest(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    version: string,
    segments: string[],
    url: URL,
    reply: (status: number, body: unknown) => void,
    fault: CallFault,
  ): Promise<void> {
    const ingest = this.org.ingest;
    if (segments.length === 0) {
      if (method === 'POST') {
        const body = await this.readJson(req);
        // A real org loads users; the emulator's User and Organization are read-only records of its own.
        if (
          typeof body.object === 'string' &&
          this.org.system.holds(body.object) &&
          !this.org.schemas.get(body.object)
        ) {
          throw new NotEmulatedError(
            `a Bulk API job on ${body.object}`,
            'The emulated org has one read-only User and Organization record; loading them is not emulated',
          );
        }
        return reply(200, ingest.create(body, Number(version)));
      }
      if (method === 'GET') return reply(200, ingest.list(url.searchParams.get('queryLocator') ?? undefined));
    }
    const id = segments[0]!;
    if (segments.length === 1) {
      if (method === 'GET') return reply(200, ingest.get(id));
      if (method === 'PATCH') return reply(200, ingest.setState(id, (await this.readJson(req)).state));
      if (method === 'DELETE') {
        ingest.delete(id);
        return reply(204, undefined);
      }
    }
    if (segments.length === 2 && segments[1] === 'batches' && method === 'PUT') {
      const refusal = uploadRefusal(req);
      if (refusal) {
        await drain(req);
        throw refusal;
      }
      const body = await readBody(req, MAX_UPLOAD_BYTES, this.org.faults.receiveLink);
      if (body === undefined) {
        throw new ApiError(
          413,
          'LIMIT_EXCEEDED',
          `A job's data can be at most ${MAX_UPLOAD_BYTES} bytes (100 MB). Split the data into several jobs.`,
        );
      }
      ingest.upload(id, body);
      return reply(201, undefined);
    }
    const kind = segments.length === 2 && method === 'GET' ? RESULT_KINDS.get(segments[1]!.toLowerCase()) : undefined;
    if (kind) {
      const lines = await ingest.results(id, kind);
      // A fault "after effect" on a read is the same as losing the answer.
      if (fault.failAfterEffect) return reply(200, undefined);
      const faults = this.org.faults;
      const gzip = !faults.current.ignoreAcceptEncoding && asksForGzip(req.headers['accept-encoding']);
      return sendCsv(res, lines, { gzip, link: () => faults.sendLink, traffic: this.traffic });
    }
    await drain(req);
    return notFound(res);
  }

  private async queryJobs(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    version: string,
    segments: string[],
    url: URL,
    reply: (status: number, body: unknown) => void,
    fault: CallFault,
  ): Promise<void> {
    const jobs = this.org.query;
    if (segments.length === 0) {
      if (method === 'POST') return reply(200, jobs.create(await this.readJson(req), Number(version)));
      if (method === 'GET') return reply(200, jobs.list(url.searchParams.get('queryLocator') ?? undefined));
    }
    const id = segments[0]!;
    if (segments.length === 1) {
      if (method === 'GET') return reply(200, jobs.get(id));
      if (method === 'PATCH') return reply(200, jobs.setState(id, (await this.readJson(req)).state));
      if (method === 'DELETE') {
        jobs.delete(id);
        return reply(204, undefined);
      }
    }
    if (segments.length === 2 && segments[1] === 'results' && method === 'GET') {
      const set = jobs.results(
        id,
        url.searchParams.get('locator') ?? undefined,
        url.searchParams.get('maxRecords') ?? undefined,
        Number(version),
      );
      if (fault.failAfterEffect) return reply(200, undefined);
      return sendQueryResults(req, res, set);
    }
    await drain(req);
    return notFound(res);
  }

  /** A JSON request body, read across the org's link. */
  private readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    return readJson(req, this.org.faults.receiveLink);
  }

  private versions(): Record<string, string>[] {
    const list = [];
    for (let v = this.org.minApiVersion; v <= this.org.maxApiVersion; v++) {
      list.push({ label: releaseLabel(v), url: `/services/data/v${v.toFixed(1)}`, version: v.toFixed(1) });
    }
    return list;
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await readBody(req, 1024 * 1024)) ?? Buffer.alloc(0);
    const params = new URLSearchParams(body.toString('utf8'));
    let basic: { id: string; secret: string } | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      basic = { id: decodeURIComponent(id ?? ''), secret: decodeURIComponent(secret ?? '') };
    }
    try {
      sendJson(res, 200, this.org.oauth.token(params, basic));
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      sendJson(res, err.status, { error: err.error, error_description: err.description });
    }
  }

  private async identity(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.org.oauth.authenticate(bearerToken(req))) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end('Bad_OAuth_Token');
      return;
    }
    const s = this.org.settings;
    sendJson(res, 200, {
      id: `${this.org.instanceUrl}/id/${s.orgId}/${s.userId}`,
      organization_id: s.orgId,
      user_id: s.userId,
      username: s.username,
      display_name: 'Integration User',
      active: true,
      user_type: 'STANDARD',
      urls: { rest: `${this.org.instanceUrl}/services/data/v{version}/` },
    });
  }

  /**
   * `GET /services/oauth2/userinfo` (OpenID Connect's UserInfo endpoint), as Salesforce Help's "Query for
   * User Information" documents its answer; `sf org login access-token` reads `user_id` from it. A token
   * the org does not know is answered as the identity URL answers one (403 `Bad_OAuth_Token`).
   */
  private async userInfo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await drain(req);
    if (!this.org.oauth.authenticate(bearerToken(req))) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end('Bad_OAuth_Token');
      return;
    }
    const s = this.org.settings;
    const base = this.org.instanceUrl;
    const user = this.org.system.get(s.userId)!;
    sendJson(res, 200, {
      sub: `${base}/id/${s.orgId}/${s.userId}`,
      user_id: s.userId,
      organization_id: s.orgId,
      preferred_username: s.username,
      nickname: user.Alias,
      name: user.Name,
      email: user.Email,
      email_verified: true,
      given_name: user.FirstName,
      family_name: user.LastName,
      zoneinfo: user.TimeZoneSidKey,
      active: true,
      user_type: 'STANDARD',
      language: user.LanguageLocaleKey,
      locale: user.LocaleSidKey,
      utcOffset: 0,
      updated_at: user.LastModifiedDate,
      urls: {
        rest: `${base}/services/data/v{version}/`,
        sobjects: `${base}/services/data/v{version}/sobjects/`,
        query: `${base}/services/data/v{version}/query/`,
      },
    });
  }

  /** The emulator's own control endpoint: faults, reset and statistics (not part of Salesforce's API). */
  private async control(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    const org = this.org;
    if (path === '/__emulator/faults' && method === 'GET') return sendJson(res, 200, org.faults.current);
    if (path === '/__emulator/faults' && (method === 'PUT' || method === 'POST')) {
      try {
        org.faults.configure(parseFaultConfig(await readJson(req, undefined)));
      } catch (err) {
        if (err instanceof FaultConfigError || err instanceof ApiError) {
          return sendJson(res, 400, { error: err.message });
        }
        throw err;
      }
      return sendJson(res, 200, org.faults.current);
    }
    if (path === '/__emulator/sessions/expire' && method === 'POST') {
      org.oauth.expireAll();
      return sendEmpty(res, 204);
    }
    if (path === '/__emulator/reset' && method === 'POST') {
      org.reset();
      this.traffic.reset();
      return sendEmpty(res, 204);
    }
    if (path === '/__emulator/stats' && method === 'GET') return sendJson(res, 200, org.statistics());
    if (path === '/__emulator/traffic' && method === 'GET') return sendJson(res, 200, this.traffic.current());
    await drain(req);
    return sendJson(res, 404, { error: `unknown control endpoint ${method} ${path}` });
  }
}

function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization ?? '';
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(auth);
  return m ? m[1]!.trim() : undefined;
}

function notFound(res: ServerResponse): void {
  sendJson(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = apiJson(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

/**
 * The gzip level of compressed result CSVs. Salesforce does not say which it uses; level 1 keeps the org's
 * cost per row low (measured in docs/emulator.md, "Compressed results") for most of the saving of the default 6.
 */
const GZIP_LEVEL = 1;

/** How a result CSV is sent. */
interface CsvAnswer {
  /** Compress the body with gzip (`Content-Encoding: gzip`). */
  readonly gzip: boolean;
  /** The link the answer crosses, asked for each chunk (a limit set mid-answer applies at once). */
  readonly link: () => BandwidthLimiter | undefined;
  readonly traffic: TrafficCounter;
}

/**
 * Streams a result CSV given in pieces (strings or UTF-8 buffers), respecting back-pressure: strings are joined
 * up to 64 KiB per write, compressed on zlib's thread pool when asked, and slowed to the org's link if limited.
 */
function sendCsv(res: ServerResponse, pieces: readonly (string | Buffer)[], answer: CsvAnswer): Promise<void> {
  const counted = answer.traffic.result(res.socket, answer.gzip);
  res.writeHead(
    200,
    answer.gzip ? { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' } : { 'Content-Type': 'text/csv' },
  );
  // Without compression or a limit, pieces go straight to the socket, as fast as before either existed.
  const stages = [
    ...(answer.gzip ? [createGzip({ level: GZIP_LEVEL, chunkSize: 64 * 1024 })] : []),
    ...(answer.link() ? [throttled(answer.link)] : []),
  ];
  const sink = stages[0] ?? res;
  const piped = stages.length > 0 ? pipeline([...stages, res]) : undefined;
  let csvBytes = 0;
  return new Promise((resolve) => {
    let i = 0;
    const pump = () => {
      while (i < pieces.length) {
        let chunk: string | Buffer = pieces[i++]!;
        while (typeof chunk === 'string' && typeof pieces[i] === 'string' && chunk.length < 64 * 1024) {
          chunk += pieces[i++] as string;
        }
        csvBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        if (!sink.write(chunk)) {
          sink.once('drain', pump);
          return;
        }
      }
      sink.end();
    };
    // Counted once the answer is finished, or when it ends unfinished (the client went away): what was sent.
    res.once('finish', () => counted(csvBytes));
    res.once('close', () => {
      counted(csvBytes);
      resolve();
    });
    // A client that goes away mid-answer ends the pipeline with an error: the answer is over either way.
    piped?.catch(() => resolve());
    pump();
  });
}

/**
 * A set of query job results: CSV with `Sforce-NumberOfRecords` and `Sforce-Locator` ("Get Results for a Query
 * Job"), gzip-compressed when the request accepts gzip ("Use Compression for Bulk API 2.0 Query Responses":
 * `Accept-Encoding: gzip` gets `Content-Encoding: gzip`; other encodings are answered uncompressed).
 */
function sendQueryResults(req: IncomingMessage, res: ServerResponse, set: QueryResultSet): void {
  const headers: Record<string, string | number> = {
    'Content-Type': 'text/csv',
    'Sforce-NumberOfRecords': set.numberOfRecords,
    'Sforce-Locator': set.locator,
  };
  const gzip = asksForGzip(req.headers['accept-encoding']);
  const body = gzip ? gzipSync(set.csv) : Buffer.from(set.csv, 'utf8');
  if (gzip) headers['Content-Encoding'] = 'gzip';
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(body);
}

/**
 * "Upload Job Data" takes CSV sent as `Content-Type: text/csv`. What Salesforce answers to another content
 * type is not known here, and a compressed body (`Content-Encoding`; the REST API decompresses requests per
 * its "Compression Headers" page) is not decompressed by the emulator: both are refused loudly rather than
 * read as CSV.
 */
function uploadRefusal(req: IncomingMessage): NotEmulatedError | undefined {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'identity' && encoding !== '') {
    return new NotEmulatedError(
      `an upload with Content-Encoding: ${printableHeader(encoding)}`,
      'Salesforce\'s REST API decompresses such requests ("Compression Headers", REST API Developer Guide); the emulator does not, and whether Bulk API 2.0 uploads take them is not documented. Send the CSV uncompressed',
      415,
    );
  }
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== 'text/csv') {
    return new NotEmulatedError(
      `an upload with Content-Type: ${type === '' ? '(none)' : printableHeader(type)}`,
      '"Upload Job Data" sends CSV as Content-Type: text/csv; what Salesforce answers to another type is not known to the emulator',
      415,
    );
  }
  return undefined;
}

/** A header value as a message may repeat it: printable ASCII, at most 100 characters. */
function printableHeader(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/**
 * Whether an `Accept-Encoding` header asks for gzip: `gzip` (or its alias `x-gzip`) listed with a q-value above
 * 0. Bulk API 2.0 compresses result CSVs for `gzip` only ("If a request is made using the Accept-Encoding header
 * with a value other than gzip, the encoding type is ignored, and the response isn't compressed": "Use
 * Compression for Bulk API 2.0 Ingest Responses"); the header is a list as in HTTP 1.1, which the page says
 * Bulk API 2.0 follows (RFC 9110, section 12.5.3), so `gzip, deflate` asks for gzip. `*` is not taken as gzip:
 * answering uncompressed is always allowed.
 */
export function asksForGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((item) => {
    const [coding, ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Reads a request body up to `limit` bytes; undefined when it is larger (the rest is discarded). Across a
 * limited `link`, each chunk waits for its time on the link before the next is read, so TCP slows the sender.
 */
async function readBody(req: IncomingMessage, limit: number, link?: BandwidthLimiter): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    await drain(req);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    if (link) await link.pass((chunk as Buffer).length);
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage, link: BandwidthLimiter | undefined): Promise<Record<string, unknown>> {
  const body = (await readBody(req, 1024 * 1024, link)) ?? Buffer.alloc(0);
  try {
    const parsed = JSON.parse(body.toString('utf8') || '{}') as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below as Salesforce answers unparsable JSON
  }
  throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body is not a JSON object');
}

async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _ of req) {
    // discard
  }
}
