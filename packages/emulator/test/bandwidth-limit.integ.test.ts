import { request } from 'node:http';
import { OrgEmulator, OrgEndpoint } from '../src';
import { accessToken, api, contactsCsv, runBulkJob, setFaults } from './support/emulator-client';

/**
 * The `bandwidthBytesPerSecond` fault: a slow link in front of one org (on loopback, so nothing else slows
 * it). A transfer across it takes about its size divided by the limit, uploads and downloads alike, and the
 * org's connections share it.
 */

/** 1 MB/s: a few hundred kilobytes take a fraction of a second, long enough to measure on a busy machine. */
const LIMIT = 1_000_000;

/** Seconds `call` took. */
async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return (performance.now() - started) / 1000;
}

/** A GET whose body is counted as it came on the wire (fetch would decompress a gzip answer). */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('error', reject);
      res.on('end', () => resolve(bytes));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('an org behind a slow link (bandwidthBytesPerSecond)', () => {
  let emulator: OrgEmulator;
  let dev: OrgEndpoint;
  let bearer: string;
  let resultsUrl: string;
  let resultBytes: number;
  const auth = () => ({ Authorization: `Bearer ${bearer}` });

  beforeAll(async () => {
    emulator = await OrgEmulator.start({ orgs: ['dev'] });
    dev = emulator.orgs.dev!;
    bearer = await accessToken(dev);
    const job = await runBulkJob(dev, bearer, { object: 'Contact', operation: 'insert' }, contactsCsv(4_000));
    expect(job.state).toBe('JobComplete');
    resultsUrl = `${dev.instanceUrl}/services/data/v66.0/jobs/ingest/${job.id}/successfulResults/`;
    resultBytes = await rawGet(resultsUrl, auth());
    expect(resultBytes).toBeGreaterThan(300_000);
  });
  afterAll(() => emulator.stop());
  afterEach(() => setFaults(dev, {}));

  test('a result download takes about its size / the limit, and is fast again once the limit is lifted', async () => {
    const unlimited = await timed(() => rawGet(resultsUrl, auth()));
    await setFaults(dev, { bandwidthBytesPerSecond: LIMIT });
    const limited = await timed(() => rawGet(resultsUrl, auth()));
    const expected = resultBytes / LIMIT;
    expect(limited).toBeGreaterThanOrEqual(expected * 0.95);
    expect(limited).toBeLessThan(expected + 1.5);
    await setFaults(dev, {});
    expect(await timed(() => rawGet(resultsUrl, auth()))).toBeLessThan(Math.max(0.5, unlimited * 5));
  });

  test('a compressed download crosses it in the time of its compressed size', async () => {
    await setFaults(dev, { bandwidthBytesPerSecond: LIMIT });
    let wire = 0;
    const seconds = await timed(async () => {
      wire = await rawGet(resultsUrl, { ...auth(), 'Accept-Encoding': 'gzip' });
    });
    expect(wire).toBeLessThan(resultBytes / 3);
    expect(seconds).toBeGreaterThanOrEqual((wire / LIMIT) * 0.95);
    expect(seconds).toBeLessThan(wire / LIMIT + 1.5);
  });

  test('an upload takes about its size / the limit: the org reads it no faster', async () => {
    const csv = contactsCsv(6_000, 100_000);
    const bytes = Buffer.byteLength(csv);
    expect(bytes).toBeGreaterThan(300_000);
    await setFaults(dev, { bandwidthBytesPerSecond: LIMIT });
    const created = await api(dev, bearer, '/jobs/ingest', {
      method: 'POST',
      json: { object: 'Contact', operation: 'insert' },
    });
    let status = 0;
    const seconds = await timed(async () => {
      status = (await api(dev, bearer, `/jobs/ingest/${created.body.id}/batches`, { method: 'PUT', csv })).status;
    });
    expect(status).toBe(201);
    expect(seconds).toBeGreaterThanOrEqual((bytes / LIMIT) * 0.95);
    expect(seconds).toBeLessThan(bytes / LIMIT + 1.5);
  });

  test('two downloads at once share the link: together they take the time of both', async () => {
    await setFaults(dev, { bandwidthBytesPerSecond: LIMIT });
    const seconds = await timed(() => Promise.all([rawGet(resultsUrl, auth()), rawGet(resultsUrl, auth())]));
    expect(seconds).toBeGreaterThanOrEqual(((2 * resultBytes) / LIMIT) * 0.95);
    expect(seconds).toBeLessThan((2 * resultBytes) / LIMIT + 1.5);
  });
});
