import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { OrgEmulator, OrgEndpoint } from '../src';
import { accessToken, api, bulkInsert, contactsCsv, runBulkJob } from './support/emulator-client';

/**
 * The divergences issue 16 found, over HTTP as a client sees them, each with its source (the [S…], [R…] and
 * [C…] keys are docs/emulator.md's "Sources").
 */

const NOT_FOUND = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];

/** A raw request under /services/data/v<version>: status, headers and body bytes, no decoding by fetch. */
async function raw(
  org: OrgEndpoint,
  bearer: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; version?: string } = {},
) {
  const url = new URL(`${org.instanceUrl}/services/data/v${init.version ?? '66.0'}${path}`);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (done, fail) => {
      const req = request(
        url,
        { method: init.method ?? 'GET', headers: { Authorization: `Bearer ${bearer}`, ...init.headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      req.on('error', fail);
      req.end(init.body);
    },
  );
}

describe('the org emulator against its sources (issue 16)', () => {
  let emulator: OrgEmulator;
  let dev: OrgEndpoint;
  let bearer: string;

  beforeAll(async () => {
    emulator = await OrgEmulator.start({ orgs: ['dev'] });
    dev = emulator.orgs.dev!;
  });
  afterAll(() => emulator.stop());
  beforeEach(async () => {
    emulator.org('dev').reset();
    bearer = await accessToken(dev);
  });

  // [S4] "Query for User Information"; [C1] sfdx-core's retrieveUserInfo reads user_id, then the User's Username.
  test("GET /services/oauth2/userinfo names the token's user; GET …/sobjects/User/<user_id> gives its Username", async () => {
    const response = await fetch(`${dev.instanceUrl}/services/oauth2/userinfo`, {
      headers: { Authorization: `Bearer ${bearer}` },
    });
    expect(response.status).toBe(200);
    const info = (await response.json()) as Record<string, unknown>;
    expect(info).toMatchObject({
      sub: `${dev.instanceUrl}/id/${dev.orgId}/${info.user_id as string}`,
      user_id: expect.stringMatching(/^005[0-9A-Za-z]{15}$/),
      organization_id: dev.orgId,
      preferred_username: dev.username,
      active: true,
    });
    const user = await api(dev, bearer, `/sobjects/User/${info.user_id as string}`, { version: '51.0' });
    expect(user).toMatchObject({ status: 200, body: { Id: info.user_id, Username: dev.username } });
    const unknown = await fetch(`${dev.instanceUrl}/services/oauth2/userinfo`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect([unknown.status, await unknown.text()]).toEqual([403, 'Bad_OAuth_Token']);
  });

  // [C2] sfdx-core's determineOrg; [S9] Organization's fields.
  test("SELECT … FROM Organization answers the org's one record, as sf org login jwt asks it", async () => {
    const soql =
      'SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization';
    const result = await api(dev, bearer, `/query?q=${encodeURIComponent(soql)}`);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      totalSize: 1,
      records: [
        {
          attributes: { type: 'Organization', url: `/services/data/v66.0/sobjects/Organization/${dev.orgId}` },
          Name: 'dev',
          IsSandbox: false,
          TrialExpirationDate: null,
          NamespacePrefix: null,
          OrganizationType: 'Developer Edition',
        },
      ],
    });
    // A Dev Hub check (SELECT Id FROM ScratchOrgInfo) gets a 4xx: this org is not one.
    expect(
      (await api(dev, bearer, `/query?q=${encodeURIComponent('SELECT Id FROM ScratchOrgInfo limit 1')}`)).status,
    ).toBe(400);
  });

  // [R11], [R12]; asked by [C3] after the query.
  test('query?q=…&columns=true answers the columns and does not run the query', async () => {
    await bulkInsert(dev, bearer, 'Contact', contactsCsv(3));
    const soql = 'SELECT Id, LastName, Account.Name FROM Contact';
    const result = await api(dev, bearer, `/query?q=${encodeURIComponent(soql)}&columns=true`);
    expect(result.status).toBe(200);
    expect(Object.keys(result.body).sort()).toEqual([
      'columnMetadata',
      'entityName',
      'groupBy',
      'idSelected',
      'keyPrefix',
    ]);
    expect(result.body).toMatchObject({ entityName: 'Contact', groupBy: false, idSelected: true, keyPrefix: '003' });
    expect(result.body.columnMetadata.map((c: { columnName: string }) => c.columnName)).toEqual([
      'Id',
      'LastName',
      'Account',
    ]);
    expect(result.body.columnMetadata[2].joinColumns[0]).toMatchObject({ columnName: 'Name', apexType: 'String' });
  });

  // [C4]: after `sf org login access-token`, Salesforce's CLI calls `<instance URL>/` + `/services/data/…`.
  test("repeated slashes in a path are one, as a real org takes them from Salesforce's CLI", async () => {
    const response = await fetch(`${dev.instanceUrl}//services/data/v66.0/limits`, {
      headers: { Authorization: `Bearer ${bearer}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('DailyApiRequests');
  });

  // [S12] "available in API version 41.0 and later"; [R9] the 404 of a resource a version lacks.
  test.each(['31.0', '40.0'])('Bulk API 2.0 ingest in API %s, before it existed, is 404 NOT_FOUND', async (version) => {
    const created = await api(dev, bearer, '/jobs/ingest', {
      method: 'POST',
      json: { object: 'Contact', operation: 'insert' },
      version,
    });
    expect(created).toEqual({ status: 404, body: NOT_FOUND });
    expect(await api(dev, bearer, '/jobs/ingest', { version })).toEqual({ status: 404, body: NOT_FOUND });
  });

  test('Bulk API 2.0 ingest in API 41.0 works; query jobs in 46.0 are 404 and in 47.0 work ([S31])', async () => {
    const job = await runBulkJob(dev, bearer, { object: 'Contact', operation: 'insert' }, contactsCsv(1));
    expect(job.state).toBe('JobComplete');
    const created = await api(dev, bearer, '/jobs/ingest', {
      method: 'POST',
      json: { object: 'Contact', operation: 'insert' },
      version: '41.0',
    });
    expect(created.status).toBe(200);
    const query = { operation: 'query', query: 'SELECT Id FROM Contact' };
    expect(await api(dev, bearer, '/jobs/query', { method: 'POST', json: query, version: '46.0' })).toEqual({
      status: 404,
      body: NOT_FOUND,
    });
    expect((await api(dev, bearer, '/jobs/query', { method: 'POST', json: query, version: '47.0' })).status).toBe(200);
  });

  // [S13] and [S33]: `"apiVersion" : 66.0` in the examples; [S14] and [R13]: contentUrl only while Open.
  test('job info writes apiVersion as 66.0 and names contentUrl only while the job is Open', async () => {
    const created = await raw(dev, bearer, '/jobs/ingest', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ object: 'Contact', operation: 'insert' }),
    });
    const text = created.body.toString('utf8');
    expect(text).toContain('"apiVersion":66.0,');
    const id = (JSON.parse(text) as { id: string }).id;
    expect(JSON.parse(text).contentUrl).toBe(`services/data/v66.0/jobs/ingest/${id}/batches`);
    await api(dev, bearer, `/jobs/ingest/${id}/batches`, { method: 'PUT', csv: contactsCsv(1) });
    const closed = await api(dev, bearer, `/jobs/ingest/${id}`, { method: 'PATCH', json: { state: 'UploadComplete' } });
    expect(closed.body).not.toHaveProperty('contentUrl');
    const info = await raw(dev, bearer, `/jobs/ingest/${id}`);
    expect(info.body.toString('utf8')).toContain('"apiVersion":66.0');
    expect(JSON.parse(info.body.toString('utf8'))).not.toHaveProperty('contentUrl');
  });

  // Not emulated, refused loudly (docs/emulator.md, "Fidelity").
  test('an unknown job property, another upload Content-Type and a compressed upload are refused with NOT_EMULATED', async () => {
    const unknown = await api(dev, bearer, '/jobs/ingest', {
      method: 'POST',
      json: { object: 'Contact', operation: 'insert', concurrencyMode: 'Serial' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body[0]).toMatchObject({
      errorCode: 'NOT_EMULATED',
      message: expect.stringContaining('concurrencyMode'),
    });

    const job = await api(dev, bearer, '/jobs/ingest', {
      method: 'POST',
      json: { object: 'Contact', operation: 'insert' },
    });
    const id = job.body.id as string;
    const json = await raw(dev, bearer, `/jobs/ingest/${id}/batches`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: contactsCsv(1),
    });
    expect(json.status).toBe(415);
    expect(JSON.parse(json.body.toString('utf8'))[0]).toMatchObject({
      errorCode: 'NOT_EMULATED',
      message: expect.stringContaining('Content-Type: application/json'),
    });
    const gzipped = await raw(dev, bearer, `/jobs/ingest/${id}/batches`, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' },
      body: Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
    });
    expect(gzipped.status).toBe(415);
    expect(JSON.parse(gzipped.body.toString('utf8'))[0].message).toContain('Content-Encoding: gzip');
    const users = await api(dev, bearer, '/jobs/ingest', {
      method: 'POST',
      json: { object: 'User', operation: 'insert' },
    });
    expect([users.status, users.body[0].errorCode]).toEqual([400, 'NOT_EMULATED']);
    // Nothing was stored: the job still takes its one upload.
    expect((await api(dev, bearer, `/jobs/ingest/${id}/batches`, { method: 'PUT', csv: contactsCsv(1) })).status).toBe(
      201,
    );
  });

  // [S32], [S34], [S35]: create, poll, results by locator and maxRecords, gzip on Accept-Encoding.
  test('a Bulk API 2.0 query job: results paged with maxRecords and Sforce-Locator, gzip when asked for', async () => {
    await bulkInsert(dev, bearer, 'Contact', contactsCsv(5));
    const created = await api(dev, bearer, '/jobs/query', {
      method: 'POST',
      json: { operation: 'query', query: 'SELECT Ext_Id__c, LastName FROM Contact' },
    });
    expect(created.body).toMatchObject({ state: 'UploadComplete', operation: 'query', object: 'Contact' });
    const id = created.body.id as string;
    for (let i = 0; i < 200 && (await api(dev, bearer, `/jobs/query/${id}`)).body.state !== 'JobComplete'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await api(dev, bearer, `/jobs/query/${id}`)).body).toMatchObject({
      state: 'JobComplete',
      jobType: 'V2Query',
      numberRecordsProcessed: 5,
    });

    const first = await raw(dev, bearer, `/jobs/query/${id}/results?maxRecords=3`, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(first.status).toBe(200);
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(first.headers['sforce-numberofrecords']).toBe('3');
    expect(gunzipSync(first.body).toString('utf8')).toBe(
      '"Ext_Id__c","LastName"\n"C-0","Last0"\n"C-1","Last1"\n"C-2","Last2"\n',
    );
    const locator = first.headers['sforce-locator'] as string;
    const second = await raw(dev, bearer, `/jobs/query/${id}/results?locator=${locator}&maxRecords=3`, {
      headers: { 'Accept-Encoding': 'identity' },
    });
    expect(second.headers['content-encoding']).toBeUndefined();
    expect(second.headers['sforce-locator']).toBe('null');
    expect(second.body.toString('utf8')).toBe('"Ext_Id__c","LastName"\n"C-3","Last3"\n"C-4","Last4"\n');
  });
});
