import { join } from 'node:path';
import { OrgEndpoint } from '../../packages/emulator/src';
import { accessToken, api, bulkInsert, query, runBulkJob } from '../../packages/emulator/test/support/emulator-client';
import { answers, killRunningEmulators, lines, REPO_ROOT, startEmulator } from '../support/emulator-process';

const FIXTURES = join(REPO_ROOT, 'packages', 'emulator', 'test', 'fixtures');
const INVALID_SESSION = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

// A test that fails half-way must not leave an emulator behind.
afterEach(killRunningEmulators);

/** The fields of an object's describe, by name. */
async function describeFields(org: OrgEndpoint, bearer: string, object: string) {
  const describe = await api(org, bearer, `/sobjects/${object}/describe`);
  expect(describe.status).toBe(200);
  return Object.fromEntries((describe.body.fields as { name: string }[]).map((f) => [f.name, f]));
}

describe('sfetl emulator', () => {
  test('SIGINT (Ctrl-C) stops it cleanly: exit 0, "emulator stopped", its port closed', async () => {
    const emulator = startEmulator(['--orgs', 'dev']);
    const dev = (await emulator.ready()).dev!;
    // A kept-alive client connection must not hold the process open.
    expect((await api(dev, await accessToken(dev), '/limits')).status).toBe(200);

    const exit = await emulator.stop('SIGINT');

    expect(exit).toEqual({ code: 0, signal: null });
    expect(lines(emulator.stdout)).toHaveLength(1);
    expect(lines(emulator.stderr)).toEqual(['emulator stopped']);
    expect(await answers(dev.instanceUrl)).toBe(false);
  });

  test('--objects adds a user object (describe, Bulk insert, lookups) and a user file replaces a builtin one', async () => {
    const emulator = startEmulator(['--orgs', 'dev', '--objects', join(FIXTURES, 'objects-extra')]);
    const dev = (await emulator.ready()).dev!;
    const bearer = await accessToken(dev);

    const global = await api(dev, bearer, '/sobjects');
    expect((global.body.sobjects as { name: string }[]).map((s) => s.name)).toEqual(
      expect.arrayContaining(['Account', 'Contact', 'Project__c']),
    );
    const project = await describeFields(dev, bearer, 'Project__c');
    expect(project.Project_Code__c).toMatchObject({ type: 'string', length: 20, externalId: true, unique: true });
    expect(project.Account__c).toMatchObject({
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'Account__r',
    });
    expect(project.Phase__c).toMatchObject({ type: 'picklist', restrictedPicklist: true });

    // The user's Account: its own fields only, Region__c required.
    const account = await describeFields(dev, bearer, 'Account');
    expect(Object.keys(account)).toEqual(expect.arrayContaining(['Name', 'Region__c', 'Ext_Id__c']));
    expect(account.Industry).toBeUndefined();
    const noRegion = await runBulkJob(dev, bearer, { object: 'Account', operation: 'insert' }, 'Name\nAcme\n');
    expect(noRegion).toMatchObject({ state: 'JobComplete', numberRecordsFailed: 1 });
    expect((await api(dev, bearer, `/jobs/ingest/${noRegion.id}/failedResults/`)).body).toBe(
      '"sf__Id","sf__Error",Name\n"","REQUIRED_FIELD_MISSING:Required fields are missing: [Region__c]:Region__c --","Acme"\n',
    );
    const builtinColumn = await runBulkJob(
      dev,
      bearer,
      { object: 'Account', operation: 'insert' },
      'Name,Region__c,Industry\nAcme,EMEA,Banking\n',
    );
    expect(builtinColumn).toMatchObject({
      state: 'Failed',
      errorMessage: 'InvalidBatch : Field name not found : Industry',
    });
    await bulkInsert(dev, bearer, 'Account', 'Name,Region__c,Ext_Id__c\nAcme,EMEA,A-1\n');

    await bulkInsert(
      dev,
      bearer,
      'Project__c',
      'Name,Project_Code__c,Account__r.Ext_Id__c,Budget__c,Phase__c\nApollo,P-1,A-1,1000.50,Build\nGemini,P-2,,,\n',
    );
    const stored = await query(
      dev,
      bearer,
      'SELECT Name, Project_Code__c, Account__r.Name, Budget__c, Phase__c FROM Project__c ORDER BY Name',
    );
    expect(
      stored.records.map((r) => [
        r.Name,
        r.Project_Code__c,
        (r.Account__r as { Name: string } | null)?.Name ?? null,
        r.Budget__c,
        r.Phase__c,
      ]),
    ).toEqual([
      ['Apollo', 'P-1', 'Acme', 1000.5, 'Build'],
      ['Gemini', 'P-2', null, null, 'Plan'],
    ]);

    expect((await emulator.stop()).code).toBe(0);
  });

  test('--config faults, one kind per org: latency, 429 bursts, session expiry, row locks, a failing job', async () => {
    const emulator = startEmulator(['--config', join(FIXTURES, 'config', 'one-fault-per-org.yaml')]);
    const orgs = await emulator.ready();
    expect(Object.keys(orgs)).toEqual(['slow', 'bursts', 'expiring', 'locked', 'failing']);
    const faults = async (org: OrgEndpoint) => (await fetch(`${org.controlUrl}/faults`)).json();
    expect(await faults(orgs.slow!)).toEqual({ latencyMs: 400 });
    expect(await faults(orgs.bursts!)).toEqual({ rateLimitBursts: { every: 2, length: 1 } });
    expect(await faults(orgs.expiring!)).toEqual({ sessionExpiryAfterCalls: 3 });
    expect(await faults(orgs.locked!)).toEqual({ rowLockRate: 1 });
    expect(await faults(orgs.failing!)).toEqual({ failJobAfterRecords: 2, failJobsCount: 1 });

    // latency: every API call waits 400 ms
    const slow = orgs.slow!;
    const slowBearer = await accessToken(slow);
    const started = Date.now();
    expect((await api(slow, slowBearer, '/limits')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(395);

    // 429 bursts: calls 3 and 6 are refused
    const bursts = orgs.bursts!;
    const burstsBearer = await accessToken(bursts);
    const answered = [];
    for (let i = 0; i < 6; i++) answered.push(await api(bursts, burstsBearer, '/limits'));
    expect(answered.map((a) => a.status)).toEqual([200, 200, 429, 200, 200, 429]);
    expect(answered[2]!.body).toEqual([
      { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
    ]);

    // session expiry: a token serves 3 calls; a new token serves again
    const expiring = orgs.expiring!;
    const first = await accessToken(expiring);
    for (let i = 0; i < 3; i++) expect((await api(expiring, first, '/limits')).status).toBe(200);
    expect(await api(expiring, first, '/limits')).toEqual({ status: 401, body: INVALID_SESSION });
    expect((await api(expiring, await accessToken(expiring), '/limits')).status).toBe(200);

    // row locks: every record fails and none is applied
    const locked = orgs.locked!;
    const lockedBearer = await accessToken(locked);
    const lockedJob = await runBulkJob(
      locked,
      lockedBearer,
      { object: 'Contact', operation: 'insert' },
      'LastName\nLovelace\nHopper\n',
    );
    expect(lockedJob).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 2 });
    const lockError =
      'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record or 1 records: 0030R0000000000AAA:--';
    expect((await api(locked, lockedBearer, `/jobs/ingest/${lockedJob.id}/failedResults/`)).body).toBe(
      `"sf__Id","sf__Error",LastName\n"","${lockError}","Lovelace"\n"","${lockError}","Hopper"\n`,
    );
    expect((await query(locked, lockedBearer, 'SELECT COUNT() FROM Contact')).totalSize).toBe(0);

    // a failing job: Failed after 2 records, the other 3 unprocessed; the next job completes
    const failing = orgs.failing!;
    const failingBearer = await accessToken(failing);
    const csv = 'LastName\nA\nB\nC\nD\nE\n';
    const failedJob = await runBulkJob(failing, failingBearer, { object: 'Contact', operation: 'insert' }, csv);
    expect(failedJob).toMatchObject({
      state: 'Failed',
      numberRecordsProcessed: 2,
      numberRecordsFailed: 0,
      errorMessage:
        'InternalServerError : the job failed after 2 records were processed; the remaining records were not processed',
    });
    const results = (kind: string) => api(failing, failingBearer, `/jobs/ingest/${failedJob.id}/${kind}/`);
    expect(lines((await results('successfulResults')).body as string)).toHaveLength(3);
    expect((await results('unprocessedrecords')).body).toBe('LastName\nC\nD\nE\n');
    const nextJob = await runBulkJob(failing, failingBearer, { object: 'Contact', operation: 'insert' }, csv);
    expect(nextJob).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 5 });
    expect((await query(failing, failingBearer, 'SELECT COUNT() FROM Contact')).totalSize).toBe(7);

    expect((await emulator.stop()).code).toBe(0);
  });
});
