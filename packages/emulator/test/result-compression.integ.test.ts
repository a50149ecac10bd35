import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { OrgEmulator, OrgEndpoint, Traffic } from '../src';
import { accessToken, contactsCsv, runBulkJob, setFaults } from './support/emulator-client';

/**
 * Result CSVs compressed on request, as Salesforce documents it ("Use Compression for Bulk API 2.0 Ingest
 * Responses", https://developer.salesforce.com/docs/platform/api-asynch/guide/datafiles-use-compression.html):
 * `Accept-Encoding: gzip` is answered with `Content-Encoding: gzip`; another value is ignored and the answer is
 * not compressed. Read over node:http, which hands over the body as it was sent (fetch would decompress it).
 */

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body as it came on the wire. */
  readonly body: Buffer;
}

function rawGet(url: string, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function traffic(org: OrgEndpoint): Promise<Traffic> {
  return (await (await fetch(`${org.controlUrl}/traffic`)).json()) as Traffic;
}

/** 2,000 Contacts, every tenth with an e-mail address the org refuses: all three kinds of rows in the results. */
function contactsWithBadRows(): string {
  return contactsCsv(2_000)
    .split('\n')
    .map((line, i) => (i > 0 && i % 10 === 0 ? line.replace(/,person\d+@example\.com,/, ',not-an-address,') : line))
    .join('\n');
}

describe('result CSVs, gzip-compressed when the client asks', () => {
  let emulator: OrgEmulator;
  let dev: OrgEndpoint;
  let bearer: string;
  let jobId: string;
  let failedJobId: string;
  const results = (id: string, kind: string) => `${dev.instanceUrl}/services/data/v66.0/jobs/ingest/${id}/${kind}/`;

  beforeAll(async () => {
    emulator = await OrgEmulator.start({ orgs: ['dev'] });
    dev = emulator.orgs.dev!;
    bearer = await accessToken(dev);
    const job = await runBulkJob(dev, bearer, { object: 'Contact', operation: 'insert' }, contactsWithBadRows());
    expect(job).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 2_000, numberRecordsFailed: 200 });
    jobId = job.id as string;
    await setFaults(dev, { failJobAfterRecords: 400 });
    const failed = await runBulkJob(dev, bearer, { object: 'Contact', operation: 'insert' }, contactsCsv(1_000, 5_000));
    expect(failed.state).toBe('Failed');
    failedJobId = failed.id as string;
  });
  afterAll(() => emulator.stop());
  afterEach(() => setFaults(dev, {}));

  test.each([
    ['successfulResults', () => jobId],
    ['failedResults', () => jobId],
    ['unprocessedrecords', () => failedJobId],
  ])(
    '%s: Accept-Encoding gzip gets Content-Encoding gzip, streamed, and the same CSV once decompressed',
    async (kind, id) => {
      const plain = await rawGet(results(id(), kind), { Authorization: `Bearer ${bearer}` });
      const gzip = await rawGet(results(id(), kind), { Authorization: `Bearer ${bearer}`, 'Accept-Encoding': 'gzip' });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.length).toBeGreaterThan(10_000);
      expect(gzip.status).toBe(200);
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers['content-type']).toBe('text/csv');
      // Streamed as it is compressed: no length known up front, as in Salesforce's example answer.
      expect(gzip.headers['transfer-encoding']).toBe('chunked');
      expect(gzip.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(gzip.body.length).toBeLessThan(plain.body.length / 3);
      expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    },
  );

  test.each([
    ['gzip, deflate (what Node’s fetch sends)', 'gzip, deflate'],
    ['x-gzip', 'x-gzip'],
    ['GZIP;q=0.5, br', 'GZIP;q=0.5, br'],
  ])('%s asks for gzip', async (_, acceptEncoding) => {
    const answer = await rawGet(results(jobId, 'successfulResults'), {
      Authorization: `Bearer ${bearer}`,
      'Accept-Encoding': acceptEncoding,
    });
    expect(answer.headers['content-encoding']).toBe('gzip');
  });

  test.each([
    ['no Accept-Encoding', undefined],
    ['deflate', 'deflate'],
    ['br', 'br'],
    ['identity', 'identity'],
    ['*', '*'],
    ['gzip;q=0', 'gzip;q=0'],
  ])('%s: the answer is not compressed', async (_, acceptEncoding) => {
    const plain = await rawGet(results(jobId, 'successfulResults'), { Authorization: `Bearer ${bearer}` });
    const answer = await rawGet(results(jobId, 'successfulResults'), {
      Authorization: `Bearer ${bearer}`,
      ...(acceptEncoding === undefined ? {} : { 'Accept-Encoding': acceptEncoding }),
    });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.equals(plain.body)).toBe(true);
  });

  test('ignoreAcceptEncoding: the org answers uncompressed although asked, as Salesforce may', async () => {
    const plain = await rawGet(results(jobId, 'successfulResults'), { Authorization: `Bearer ${bearer}` });
    await setFaults(dev, { ignoreAcceptEncoding: true });
    const answer = await rawGet(results(jobId, 'successfulResults'), {
      Authorization: `Bearer ${bearer}`,
      'Accept-Encoding': 'gzip',
    });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.equals(plain.body)).toBe(true);
  });

  test('job info and other JSON answers stay uncompressed (only result CSVs are emulated compressed)', async () => {
    const answer = await rawGet(`${dev.instanceUrl}/services/data/v66.0/jobs/ingest/${jobId}`, {
      Authorization: `Bearer ${bearer}`,
      'Accept-Encoding': 'gzip',
    });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ id: jobId, state: 'JobComplete' });
  });

  test('a client that goes away mid-answer leaves the org answering, and the answer it left is counted', async () => {
    const url = results(jobId, 'successfulResults');
    const before = await traffic(dev);
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { headers: { Authorization: `Bearer ${bearer}`, 'Accept-Encoding': 'gzip' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
        res.on('error', () => undefined);
      });
      req.on('error', reject);
      req.end();
    });
    const plain = await rawGet(url, { Authorization: `Bearer ${bearer}` });
    expect(plain.status).toBe(200);
    const after = await traffic(dev);
    expect(after.results.answers - before.results.answers).toBe(2);
    expect(after.results.compressed - before.results.compressed).toBe(1);
  });

  test('GET /__emulator/traffic counts what the sockets carried: a compressed answer as its compressed bytes', async () => {
    const url = results(jobId, 'successfulResults');
    const before = await traffic(dev);
    const plain = await rawGet(url, { Authorization: `Bearer ${bearer}` });
    const middle = await traffic(dev);
    const gzip = await rawGet(url, { Authorization: `Bearer ${bearer}`, 'Accept-Encoding': 'gzip' });
    const after = await traffic(dev);

    const plainSent = middle.results.bytesSent - before.results.bytesSent;
    const gzipSent = after.results.bytesSent - middle.results.bytesSent;
    // The body as received plus the status line and headers (and, chunked, the chunk sizes): a few hundred bytes.
    expect(plainSent - plain.body.length).toBeGreaterThan(0);
    expect(plainSent - plain.body.length).toBeLessThan(1_000);
    expect(gzipSent - gzip.body.length).toBeGreaterThan(0);
    expect(gzipSent - gzip.body.length).toBeLessThan(1_000);
    expect(after.results.answers - before.results.answers).toBe(2);
    expect(after.results.compressed - before.results.compressed).toBe(1);
    expect(after.results.csvBytes - before.results.csvBytes).toBe(2 * plain.body.length);
    // The socket totals hold the result answers and everything else the port carried.
    expect(after.bytesSent - before.bytesSent).toBeGreaterThanOrEqual(plainSent + gzipSent);
    expect(after.bytesReceived).toBeGreaterThan(before.bytesReceived);
  });
});
