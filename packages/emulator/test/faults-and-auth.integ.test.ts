import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from 'jsforce';
import { OrgEmulator, OrgEndpoint } from '../src';
import { connect, contactsCsv, setFaults } from './support/emulator-client';
import { until } from './support/until';

const jwtDir = join(__dirname, 'fixtures/jwt');
const jwtKey = readFileSync(join(jwtDir, 'jwt-key.pem'), 'utf8');
const otherKey = readFileSync(join(jwtDir, 'other-key.pem'), 'utf8');

function assertion(claims: Record<string, unknown>, key = jwtKey): string {
  const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256' })}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url');
  return `${unsigned}.${signature}`;
}

async function token(org: OrgEndpoint, form: Record<string, string>) {
  const res = await fetch(`${org.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function api(org: OrgEndpoint, accessToken: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${org.instanceUrl}/services/data/v66.0${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('emulator authentication over HTTP', () => {
  let emulator: OrgEmulator;
  let org: OrgEndpoint;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    emulator = await OrgEmulator.start({
      orgs: [
        { name: 'dev', jwtCertificate: readFileSync(join(jwtDir, 'jwt-cert.pem'), 'utf8') },
        { name: 'legacy', allowUsernamePassword: true, password: 'pw+token' },
      ],
    });
    org = emulator.orgs.dev!;
  });
  afterAll(() => emulator.stop());

  test('client credentials give a session jsforce can use', async () => {
    const conn = await connect(org);
    expect(conn.instanceUrl).toBe(org.instanceUrl);
    expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
  });

  test('JWT bearer signed with the connected app key gives a session', async () => {
    const conn = new Connection({ loginUrl: org.loginUrl, instanceUrl: org.instanceUrl, version: '66.0' });
    const jwt = assertion({ iss: org.clientId, sub: org.username, aud: org.loginUrl, exp: now() + 180 });
    await conn.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt });
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(0);
  });

  test.each([
    ['expired', { exp: -60 }, {}, 'invalid_grant', 'expired authorization code'],
    ['wrong audience', { aud: 'https://example.com' }, {}, 'invalid_grant', 'audience is invalid'],
    ['unknown issuer', { iss: '3MVG9unknown' }, {}, 'invalid_client_id', 'client identifier invalid'],
    ['signed by another key', {}, { key: otherKey }, 'invalid_grant', 'invalid assertion'],
    ['unknown user', { sub: 'someone@else.com' }, {}, 'invalid_grant', "user hasn't approved this consumer"],
  ])(
    'a JWT assertion that is %s is refused with Salesforce’s error body',
    async (_, override, opts, error, description) => {
      const claims = { iss: org.clientId, sub: org.username, aud: org.loginUrl, exp: now() + 180, ...override };
      if ('exp' in override) claims.exp = now() + (override as { exp: number }).exp;
      const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      const res = await token(org, { grant_type: grant, assertion: assertion(claims, (opts as { key?: string }).key) });
      expect(res).toEqual({ status: 400, body: { error, error_description: description } });
    },
  );

  test('wrong client credentials are refused', async () => {
    const res = await token(org, { grant_type: 'client_credentials', client_id: org.clientId, client_secret: 'nope' });
    expect(res).toEqual({
      status: 400,
      body: { error: 'invalid_client', error_description: 'invalid client credentials' },
    });
  });

  test('the refresh token grant gives a new session', async () => {
    const res = await token(org, {
      grant_type: 'refresh_token',
      client_id: org.clientId,
      client_secret: org.clientSecret,
      refresh_token: org.refreshToken,
    });
    expect(res.status).toBe(200);
    expect((await api(org, res.body.access_token!, '/limits')).status).toBe(200);
    const bad = await token(org, { grant_type: 'refresh_token', client_id: org.clientId, refresh_token: 'stale' });
    expect(bad.body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
  });

  test('the username-password grant is off by default and works where the org enables it', async () => {
    const form = {
      grant_type: 'password',
      client_id: org.clientId,
      client_secret: org.clientSecret,
      username: org.username,
      password: 'pw+token',
    };
    expect((await token(org, form)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'authentication failure',
    });
    const legacy = emulator.orgs.legacy!;
    const ok = await token(legacy, {
      ...form,
      client_id: legacy.clientId,
      client_secret: legacy.clientSecret,
      username: legacy.username,
    });
    expect(ok.status).toBe(200);
  });

  test('a call without a valid session gets INVALID_SESSION_ID', async () => {
    const res = await api(org, 'not-a-token', '/limits');
    expect(res).toEqual({
      status: 401,
      body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
    });
  });
});

describe('emulator fault injection over HTTP', () => {
  let emulator: OrgEmulator;
  let org: OrgEndpoint;
  let accessToken: string;

  beforeAll(async () => {
    emulator = await OrgEmulator.start({ orgs: ['dev'] });
    org = emulator.orgs.dev!;
  });
  afterAll(() => emulator.stop());
  beforeEach(async () => {
    emulator.org('dev').reset();
    await setFaults(org, {});
    accessToken = (
      await token(org, { grant_type: 'client_credentials', client_id: org.clientId, client_secret: org.clientSecret })
    ).body.access_token!;
  });

  test('added latency delays every API call', async () => {
    await setFaults(org, { latencyMs: 150 });
    const started = Date.now();
    await api(org, accessToken, '/limits');
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  test('a share of calls gets HTTP 500/503', async () => {
    await setFaults(org, { http5xxRate: 0.2, seed: 7 });
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) statuses.push((await api(org, accessToken, '/limits')).status);
    const failed = statuses.filter((s) => s === 500 || s === 503).length;
    expect(failed / statuses.length).toBeGreaterThan(0.12);
    expect(failed / statuses.length).toBeLessThan(0.28);
    expect(statuses.every((s) => [200, 500, 503].includes(s))).toBe(true);
  });

  test('a 5xx after effect leaves the request applied though the client saw an error', async () => {
    const created = (
      await api(org, accessToken, '/jobs/ingest', {
        method: 'POST',
        body: JSON.stringify({ object: 'Contact', operation: 'insert' }),
      })
    ).body as { id: string };
    await api(org, accessToken, `/jobs/ingest/${created.id}/batches`, {
      method: 'PUT',
      body: contactsCsv(5),
      headers: { 'Content-Type': 'text/csv' },
    });
    await setFaults(org, { http5xxRate: 1, http5xxAfterEffectRate: 1 });
    const close = await api(org, accessToken, `/jobs/ingest/${created.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ state: 'UploadComplete' }),
    });
    expect([500, 503]).toContain(close.status);
    await setFaults(org, {});
    // Polled as a client polls, until the job leaves UploadComplete/InProgress: the close took effect.
    let info = { state: '' };
    await until(async () => {
      info = (await api(org, accessToken, `/jobs/ingest/${created.id}`)).body as { state: string };
      return !['UploadComplete', 'InProgress'].includes(info.state);
    }, `job ${created.id} to end`);
    expect(info.state).toBe('JobComplete');
  });

  test('bursts of 429 REQUEST_LIMIT_EXCEEDED', async () => {
    await setFaults(org, { rateLimitBursts: { every: 10, length: 3 } });
    const answers: { status: number; body: unknown }[] = [];
    for (let i = 1; i <= 26; i++) answers.push(await api(org, accessToken, '/limits'));
    // 10 served, 3 refused, 10 served, 3 refused, …
    expect(answers.map((a, i) => (a.status === 429 ? i + 1 : 0)).filter((n) => n > 0)).toEqual([
      11, 12, 13, 24, 25, 26,
    ]);
    expect(answers[10]!.body).toEqual([
      { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
    ]);
  });

  test('sessions expire after N calls and jsforce renews them through refreshFn', async () => {
    await setFaults(org, { sessionExpiryAfterCalls: 5 });
    for (let i = 0; i < 5; i++) expect((await api(org, accessToken, '/limits')).status).toBe(200);
    expect((await api(org, accessToken, '/limits')).body).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
    let renewals = 0;
    const conn = new Connection({
      instanceUrl: org.instanceUrl,
      version: '66.0',
      refreshFn: (_c, callback) => {
        renewals++;
        token(org, { grant_type: 'client_credentials', client_id: org.clientId, client_secret: org.clientSecret }).then(
          (r) => callback(null, r.body.access_token),
          (err: Error) => callback(err),
        );
      },
    });
    for (let i = 0; i < 12; i++) expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(0);
    expect(renewals).toBeGreaterThanOrEqual(2);
  });

  test('a share of records fails with UNABLE_TO_LOCK_ROW and is not applied', async () => {
    await setFaults(org, { rowLockRate: 0.1, seed: 3 });
    const conn = await connect(org);
    const job = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await job.open();
    await job.uploadData(contactsCsv(2000));
    await job.close();
    await job.poll(50, 30_000);
    const failed = await job.getFailedResults();
    expect(failed.length / 2000).toBeGreaterThan(0.07);
    expect(failed.length / 2000).toBeLessThan(0.13);
    expect(
      failed.every((r) =>
        r.sf__Error.startsWith('UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record'),
      ),
    ).toBe(true);
    await setFaults(org, {});
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(2000 - failed.length);
  });

  test('a job goes Failed after K records and returns the rest as unprocessed', async () => {
    await setFaults(org, { failJobAfterRecords: 500, failJobsCount: 1 });
    const conn = await connect(org);
    const job = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await job.open();
    await job.uploadData(contactsCsv(1200));
    await job.close();
    await job.poll(50, 30_000).catch(() => undefined);
    const info = await job.check();
    expect(info.state).toBe('Failed');
    expect(info.numberRecordsProcessed).toBe(500);
    expect(info.errorMessage).toMatch(/^InternalServerError : the job failed after 500 records/);
    expect(await job.getSuccessfulResults()).toHaveLength(500);
    expect(await job.getUnprocessedRecords()).toHaveLength(700);
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(500);
    // Only one job was to fail: the next one completes.
    const next = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await next.open();
    await next.uploadData(contactsCsv(700, 500));
    await next.close();
    await next.poll(50, 30_000);
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(1200);
  });

  test('the control endpoint rejects a fault it does not know, saying which', async () => {
    const res = await fetch(`${org.controlUrl}/faults`, { method: 'PUT', body: JSON.stringify({ http5xx: 0.5 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/unknown fault "http5xx"/);
  });

  test('the 24-hour record limit stops processing and job creation', async () => {
    await emulator.stop();
    emulator = await OrgEmulator.start({ orgs: [{ name: 'dev', dailyRecordLimit: 400 }] });
    org = emulator.orgs.dev!;
    const conn = await connect(org);
    const job = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await job.open();
    await job.uploadData(contactsCsv(600));
    await job.close();
    await job.poll(50, 30_000).catch(() => undefined);
    const info = await job.check();
    expect(info.state).toBe('Failed');
    expect(info.errorMessage).toMatch(/^ExceededQuota : The 24-hour limit of 400/);
    expect(await job.getUnprocessedRecords()).toHaveLength(200);
    await expect(conn.bulk2.createJob({ object: 'Contact', operation: 'insert' }).open()).rejects.toThrow(
      /ExceededQuota/,
    );
  });
});
