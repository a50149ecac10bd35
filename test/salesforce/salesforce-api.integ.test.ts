import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrgEmulator, Traffic } from '../../packages/emulator/src';
import { contactsCsv, setFaults } from '../../packages/emulator/test/support/emulator-client';
import {
  CredentialsFormatError,
  parseCredentials,
  SalesforceApi,
  SalesforceApiError,
  SalesforceAuthError,
} from '../../src/salesforce';

const jwtDir = join(__dirname, '../../packages/emulator/test/fixtures/jwt');
const privateKey = readFileSync(join(jwtDir, 'jwt-key.pem'), 'utf8');

describe('SalesforceApi against the org emulator', () => {
  let emulator: OrgEmulator;
  let work: string;

  beforeAll(async () => {
    emulator = await OrgEmulator.start({
      orgs: [{ name: 'prod', jwtCertificate: readFileSync(join(jwtDir, 'jwt-cert.pem'), 'utf8') }],
    });
    work = mkdtempSync(join(tmpdir(), 'sfetl-api-'));
  });
  afterAll(async () => {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  });
  afterEach(() => setFaults(emulator.orgs.prod!, {}));

  const jwtApi = (key = privateKey) => {
    const org = emulator.orgs.prod!;
    return new SalesforceApi({
      instanceUrl: org.instanceUrl,
      loginUrl: org.loginUrl,
      apiVersion: '66.0',
      credentials: parseCredentials(
        'jwt',
        { clientId: org.clientId, username: org.username, privateKey: key },
        'sfetl/prod',
      ),
    });
  };

  test('JWT bearer credentials from a secret log in and describe objects', async () => {
    const api = jwtApi();
    await api.login();
    const contact = await api.describe('Contact');
    expect(contact?.fields.find((f) => f.name === 'LastName')).toMatchObject({ nillable: false, createable: true });
    expect(await api.describe('Nope__c')).toBeUndefined();
  });

  test('a key the connected app does not know is refused with the org’s answer', async () => {
    const api = jwtApi(readFileSync(join(jwtDir, 'other-key.pem'), 'utf8'));
    await expect(api.login()).rejects.toThrow(SalesforceAuthError);
    await expect(api.login()).rejects.toThrow(/invalid_grant: invalid assertion/);
  });

  test('a job runs through create, upload from a file, close, poll and result download', async () => {
    const api = jwtApi();
    const file = join(work, 'part.csv');
    writeFileSync(file, contactsCsv(50));
    const job = await api.createIngestJob({ object: 'Contact', operation: 'insert' });
    await api.uploadJobData(job.id, file);
    await api.closeJob(job.id);
    let info = await api.getJob(job.id);
    while (info.state !== 'JobComplete') info = await api.getJob(job.id);
    const out = join(work, 'success.csv');
    await api.downloadResults(job.id, 'successfulResults', out);
    expect(
      readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    ).toHaveLength(51);
    expect(info.numberRecordsProcessed).toBe(50);
  });

  test('result downloads cross the wire gzip-compressed and are saved identical to an uncompressed download', async () => {
    const org = emulator.orgs.prod!;
    const traffic = async () => (await (await fetch(`${org.controlUrl}/traffic`)).json()) as Traffic;
    const api = jwtApi();
    const file = join(work, 'part-gzip.csv');
    writeFileSync(file, contactsCsv(5_000, 50_000));
    const job = await api.createIngestJob({ object: 'Contact', operation: 'insert' });
    await api.uploadJobData(job.id, file);
    await api.closeJob(job.id);
    while (!['JobComplete', 'Failed', 'Aborted'].includes((await api.getJob(job.id)).state)) {
      await new Promise((r) => setTimeout(r, 50));
    }

    const before = await traffic();
    const compressed = await api.downloadResults(job.id, 'successfulResults', join(work, 'gzip.csv'));
    const middle = await traffic();
    // The org may answer uncompressed although asked ("Use Compression for Bulk API 2.0 Ingest Responses").
    await setFaults(org, { ignoreAcceptEncoding: true });
    const plain = await api.downloadResults(job.id, 'successfulResults', join(work, 'plain.csv'));
    const after = await traffic();

    expect(compressed.compressed).toBe(true);
    expect(plain.compressed).toBe(false);
    expect(readFileSync(join(work, 'gzip.csv')).equals(readFileSync(join(work, 'plain.csv')))).toBe(true);
    expect(compressed.bytes).toBe(plain.bytes);
    // What the org's socket wrote for each answer, as the emulator counted it.
    const gzipOnWire = middle.results.bytesSent - before.results.bytesSent;
    const plainOnWire = after.results.bytesSent - middle.results.bytesSent;
    expect(gzipOnWire).toBeGreaterThan(compressed.wireBytes);
    expect(gzipOnWire).toBeLessThan(compressed.wireBytes + 1_000);
    expect(plainOnWire).toBeGreaterThan(plain.bytes);
    expect(gzipOnWire).toBeLessThan(plainOnWire / 4);
  });

  test('an expired session is renewed once and the call repeated', async () => {
    const api = jwtApi();
    await api.login();
    await setFaults(emulator.orgs.prod!, { sessionExpiryAfterCalls: 2 });
    for (let i = 0; i < 7; i++) {
      expect((await api.query('SELECT COUNT() FROM Contact')).totalSize).toBeGreaterThanOrEqual(0);
    }
    expect(api.sessions).toBeGreaterThanOrEqual(3);
  });

  test('API errors carry the status and Salesforce error code', async () => {
    const api = jwtApi();
    const error = await api.query('SELECT Bogus FROM Contact').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceApiError);
    expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_FIELD' });
  });
});

describe('parseCredentials', () => {
  test('names the missing keys without echoing any value', () => {
    const call = () => parseCredentials('client_credentials', { clientId: 'id-123', clientSecret: '' }, 'sfetl/dev');
    expect(call).toThrow(CredentialsFormatError);
    expect(call).toThrow(
      'secret sfetl/dev: auth type client_credentials needs the keys clientId, clientSecret; missing or empty: clientSecret',
    );
    try {
      call();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('id-123');
    }
  });

  test('refuses a JWT private key that is not PEM', () => {
    expect(() =>
      parseCredentials('jwt', { clientId: 'a', username: 'u', privateKey: 'hunter2' }, 'sfetl/prod'),
    ).toThrow(/privateKey is not a PEM private key/);
  });
});
