import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { SalesforceApi, SalesforceApiError, UNEXPECTED_ENCODING_ANSWER, undecodedFetch } from '../../src/salesforce';

/**
 * Result downloads ask for gzip and decompress it themselves, once, as the answer streams to the file
 * (Salesforce: "Use Compression for Bulk API 2.0 Ingest Responses",
 * https://developer.salesforce.com/docs/platform/api-asynch/guide/datafiles-use-compression.html). A stand-in
 * org on loopback answers as each test says and counts the bytes its sockets wrote.
 */

const FIXTURE = readFileSync(join(__dirname, '../fixtures/results/successful-results.csv'));
const HEADER = FIXTURE.subarray(0, FIXTURE.indexOf(10) + 1);
const ROWS = FIXTURE.subarray(HEADER.length);
/** A result CSV of about 2 MB: the fixture's rows 500 times (multi-byte names, quotes, a line break in a value). */
const CSV = Buffer.concat([HEADER, ...Array.from({ length: 500 }, () => ROWS)]);
const GZIPPED = gzipSync(CSV);
const JOB = '750000000000001AAA';
const RESULTS_PATH = `/services/data/v66.0/jobs/ingest/${JOB}/successfulResults/`;

type ResultsHandler = (req: IncomingMessage, res: ServerResponse, attempt: number) => void;

interface FakeOrg {
  readonly base: string;
  readonly server: Server;
  /** Token requests so far. */
  readonly logins: () => number;
  /** The Accept-Encoding of each result request, in order. */
  readonly acceptEncodings: (string | undefined)[];
  /** Bytes the org's sockets wrote for each result answer (status line, headers and body as sent). */
  readonly wireBytes: number[];
}

async function fakeOrg(results: ResultsHandler): Promise<FakeOrg> {
  const org: { base: string } & Omit<FakeOrg, 'base' | 'server' | 'logins'> = {
    base: '',
    acceptEncodings: [],
    wireBytes: [],
  };
  let logins = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (req.method === 'POST' && req.url === '/services/oauth2/token') {
      logins++;
      res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end(
        JSON.stringify({
          access_token: 'token',
          instance_url: org.base,
          id: `${org.base}/id/00D000000000001EAA/005000000000001AAA`,
          token_type: 'Bearer',
        }),
      );
      return;
    }
    if (req.url !== RESULTS_PATH) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]');
      return;
    }
    org.acceptEncodings.push(req.headers['accept-encoding']);
    const socket = req.socket;
    const before = socket.bytesWritten;
    const index = org.wireBytes.push(0) - 1;
    res.on('finish', () => (org.wireBytes[index] = socket.bytesWritten - before));
    results(req, res, org.acceptEncodings.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  org.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { ...org, server, base: org.base, logins: () => logins };
}

function apiFor(base: string, httpAttempts = 3, idleTimeoutMs?: number): SalesforceApi {
  return new SalesforceApi({
    instanceUrl: base,
    loginUrl: base,
    apiVersion: '66.0',
    credentials: { type: 'client_credentials', clientId: 'client-id', clientSecret: 'client-secret' },
    httpAttempts,
    sleep: async () => undefined,
    ...(idleTimeoutMs === undefined ? {} : { fetchUndecoded: undecodedFetch(idleTimeoutMs) }),
  });
}

/** Sends `body` in 64 KiB writes, so an answer is streamed in many chunks as a real one is. */
function sendChunked(res: ServerResponse, headers: Record<string, string>, body: Buffer, until = body.length): void {
  res.writeHead(200, headers);
  for (let at = 0; at < until; at += 64 * 1024) res.write(body.subarray(at, Math.min(until, at + 64 * 1024)));
}

describe('SalesforceApi.downloadResults: gzip-compressed result CSVs', () => {
  const servers: Server[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sfetl-download-test-'));
  });
  afterAll(() => {
    servers.forEach((s) => s.close());
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (results: ResultsHandler) => {
    const org = await fakeOrg(results);
    servers.push(org.server);
    return org;
  };

  test('asks for gzip; the compressed bytes cross the wire and the file holds the CSV, byte for byte', async () => {
    const org = await start((_req, res) => {
      sendChunked(res, { 'Content-Type': 'text/csv; charset=UTF-8', 'Content-Encoding': 'gzip' }, GZIPPED);
      res.end();
    });
    const file = join(dir, 'gzip.csv');
    const download = await apiFor(org.base).downloadResults(JOB, 'successfulResults', file);
    expect(org.acceptEncodings).toEqual(['gzip']);
    expect(readFileSync(file).equals(CSV)).toBe(true);
    expect(download).toEqual({ bytes: CSV.length, wireBytes: GZIPPED.length, compressed: true });
    // What the org's socket wrote: the compressed body, a few hundred bytes of headers and chunk sizes.
    expect(org.wireBytes[0]! - GZIPPED.length).toBeGreaterThan(0);
    expect(org.wireBytes[0]! - GZIPPED.length).toBeLessThan(2_000);
    expect(org.wireBytes[0]).toBeLessThan(CSV.length / 4);
  });

  test('an uncompressed answer (the org may send one although asked) is saved as it is', async () => {
    const org = await start((_req, res) => {
      sendChunked(res, { 'Content-Type': 'text/csv' }, CSV);
      res.end();
    });
    const file = join(dir, 'plain.csv');
    const download = await apiFor(org.base).downloadResults(JOB, 'successfulResults', file);
    expect(org.acceptEncodings).toEqual(['gzip']);
    expect(readFileSync(file).equals(CSV)).toBe(true);
    expect(download).toEqual({ bytes: CSV.length, wireBytes: CSV.length, compressed: false });
  });

  test('`x-gzip`, gzip’s other name, is decompressed too', async () => {
    const org = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Encoding': 'x-gzip' });
      res.end(GZIPPED);
    });
    const file = join(dir, 'x-gzip.csv');
    await apiFor(org.base).downloadResults(JOB, 'successfulResults', file);
    expect(readFileSync(file).equals(CSV)).toBe(true);
  });

  test('a compressed answer cut mid-way is fetched again from the start', async () => {
    const org = await start((req, res, attempt) => {
      if (attempt === 1) {
        sendChunked(res, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' }, GZIPPED, GZIPPED.length / 2);
        // The connection drops: no end of the chunked body.
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      sendChunked(res, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' }, GZIPPED);
      res.end();
    });
    const file = join(dir, 'cut.csv');
    await apiFor(org.base).downloadResults(JOB, 'successfulResults', file);
    expect(org.acceptEncodings).toHaveLength(2);
    expect(readFileSync(file).equals(CSV)).toBe(true);
  });

  test('an answer that stalls mid-way ends after the idle timeout and is fetched again', async () => {
    const org = await start((req, res, attempt) => {
      sendChunked(
        res,
        { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' },
        GZIPPED,
        attempt === 1 ? 1_000 : undefined,
      );
      // The first answer sends nothing more and never ends; the runner's timer must end it.
      if (attempt !== 1) res.end();
      else req.socket.on('close', () => res.destroy());
    });
    const file = join(dir, 'stalled.csv');
    await apiFor(org.base, 2, 300).downloadResults(JOB, 'successfulResults', file);
    expect(org.acceptEncodings).toHaveLength(2);
    expect(readFileSync(file).equals(CSV)).toBe(true);
  });

  test('a gzip stream that ends early inside a complete HTTP answer is fetched again, never saved short', async () => {
    // fetch would take this as the whole CSV (it decodes leniently, with Z_SYNC_FLUSH); the file would lack rows.
    const truncated = GZIPPED.subarray(0, GZIPPED.length - 100);
    const org = await start((_req, res, attempt) => {
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' });
      res.end(attempt === 1 ? truncated : GZIPPED);
    });
    const file = join(dir, 'truncated.csv');
    await apiFor(org.base).downloadResults(JOB, 'successfulResults', file);
    expect(org.acceptEncodings).toHaveLength(2);
    expect(readFileSync(file).equals(CSV)).toBe(true);
  });

  test('a gzip stream that always ends early fails the download after its tries', async () => {
    const org = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' });
      res.end(GZIPPED.subarray(0, GZIPPED.length - 100));
    });
    await expect(apiFor(org.base, 2).downloadResults(JOB, 'successfulResults', join(dir, 'short.csv'))).rejects.toThrow(
      /unexpected end of file/,
    );
    expect(org.acceptEncodings).toHaveLength(2);
  });

  test('a gzip-compressed error answer is read decompressed: an expired session is renewed and the download repeated', async () => {
    // Salesforce compresses JSON answers too when asked ("Compression Headers", REST API Developer Guide).
    const expired = gzipSync(
      JSON.stringify([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]),
    );
    const org = await start((_req, res, attempt) => {
      if (attempt === 1) {
        res.writeHead(401, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Encoding': 'gzip' });
        res.end(expired);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' });
      res.end(GZIPPED);
    });
    const file = join(dir, 'renewed.csv');
    await apiFor(org.base, 1).downloadResults(JOB, 'successfulResults', file);
    expect(org.logins()).toBe(2);
    expect(readFileSync(file).equals(CSV)).toBe(true);
  });

  test('a gzip-compressed error answer gives its error code and message', async () => {
    const org = await start((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }])));
    });
    const error = await apiFor(org.base)
      .downloadResults(JOB, 'successfulResults', join(dir, 'missing.csv'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceApiError);
    expect((error as SalesforceApiError).message).toBe(
      `GET ${RESULTS_PATH}: HTTP 404 NOT_FOUND: The requested resource does not exist`,
    );
  });

  test('an answer in an encoding that was not asked for is refused, not saved', async () => {
    const org = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Encoding': 'br' });
      res.end(Buffer.from([0x0b, 0x02, 0x80]));
    });
    const error = await apiFor(org.base)
      .downloadResults(JOB, 'successfulResults', join(dir, 'br.csv'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceApiError);
    expect(error).toMatchObject({ status: 200, errorCode: UNEXPECTED_ENCODING_ANSWER, method: 'GET' });
    expect((error as SalesforceApiError).detail).toMatch(
      /^the org answered a job's results compressed as "br", which was not asked for \(only gzip is\); check that no proxy/,
    );
    // Refused at once: another try would get the same answer.
    expect(org.acceptEncodings).toHaveLength(1);
  });

  test('memory stays flat: a 192 MB CSV, compressed as it is sent, streams to disk', async () => {
    const rows = 192 * 2 ** 20;
    const org = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' });
      async function* csv() {
        yield HEADER;
        for (let sent = 0; sent < rows; sent += ROWS.length) yield ROWS;
      }
      void pipeline(Readable.from(csv()), createGzip({ level: 1 }), res).catch(() => undefined);
    });
    const file = join(dir, 'big.csv');
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const download = await apiFor(org.base).downloadResults(JOB, 'successfulResults', file);
      expect(download.compressed).toBe(true);
      expect(download.bytes).toBeGreaterThan(rows);
      expect(download.wireBytes).toBeLessThan(download.bytes / 20);
      expect(statSync(file).size).toBe(download.bytes);
    } finally {
      clearInterval(sampler);
      rmSync(file, { force: true });
    }
    // Held whole, the CSV alone would add 192 MB; streamed, what grows is buffers and garbage not yet collected.
    expect((peak - before) / 2 ** 20).toBeLessThan(64);
  });
});
