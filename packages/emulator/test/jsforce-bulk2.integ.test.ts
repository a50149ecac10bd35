import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from 'jsforce';
import { OrgEmulator } from '../src';
import { connect, contactsCsv } from './support/emulator-client';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures/csv', name), 'utf8');

/** A result row's echoed column (jsforce types only the sf__ columns). */
const col = (row: object, name: string) => String((row as Record<string, unknown>)[name]);

type Operation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

/** Runs one job the way our loader does: create, upload, close, poll; returns the final job info. */
async function runJob(
  conn: Connection,
  object: string,
  operation: Operation,
  csv: string,
  externalIdFieldName?: string,
) {
  const job = conn.bulk2.createJob({ object, operation, ...(externalIdFieldName ? { externalIdFieldName } : {}) });
  await job.open();
  await job.uploadData(csv);
  await job.close();
  // poll() rejects when the job ends Failed; the job info says why.
  await job.poll(50, 60_000).catch(() => undefined);
  return { job, info: await job.check() };
}

async function count(conn: Connection, soql: string): Promise<number> {
  return (await conn.query(soql)).totalSize;
}

describe('jsforce 3 against the org emulator over HTTP', () => {
  let emulator: OrgEmulator;
  let conn: Connection;

  beforeAll(async () => {
    emulator = await OrgEmulator.start({ orgs: ['dev'] });
    conn = await connect(emulator.orgs.dev!);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.org('dev').reset());
  beforeEach(async () => {
    conn = await connect(emulator.orgs.dev!);
  });

  test('inserts 10,000 Contacts and COUNT() sees them', async () => {
    const { job, info } = await runJob(conn, 'Contact', 'insert', contactsCsv(10_000));
    expect(info.state).toBe('JobComplete');
    expect(info.numberRecordsProcessed).toBe(10_000);
    expect(info.numberRecordsFailed).toBe(0);
    const successes = await job.getSuccessfulResults();
    expect(successes).toHaveLength(10_000);
    expect(new Set(successes.map((r) => r.sf__Id)).size).toBe(10_000);
    expect(await count(conn, 'SELECT COUNT() FROM Contact')).toBe(10_000);
    expect(await count(conn, "SELECT COUNT() FROM Contact WHERE Email LIKE 'person99%'")).toBe(111);
  });

  test('pages SOQL results with nextRecordsUrl', async () => {
    await runJob(conn, 'Contact', 'insert', contactsCsv(4_500));
    const first = await conn.query('SELECT Id, LastName FROM Contact ORDER BY LastName');
    expect(first.records).toHaveLength(2000);
    expect(first.done).toBe(false);
    const all = await conn.query('SELECT Id FROM Contact').run({ autoFetch: true, maxFetch: 10_000 });
    expect(all.records).toHaveLength(4_500);
  });

  test('gives each bad row its exact error code in failedResults', async () => {
    const { job, info } = await runJob(conn, 'Contact', 'insert', fixture('contacts-bad-rows.csv'));
    expect(info.state).toBe('JobComplete');
    expect(info.numberRecordsProcessed).toBe(7);
    expect(info.numberRecordsFailed).toBe(5);
    const failed = await job.getFailedResults();
    const byKey = Object.fromEntries(failed.map((r) => [col(r, 'Ext_Id__c'), r.sf__Error]));
    expect(byKey['C-MISSING-LAST']).toBe('REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --');
    expect(byKey['C-BAD-EMAIL']).toBe(
      'INVALID_EMAIL_ADDRESS:Email: invalid email address: alan.at.example.com:Email --',
    );
    expect(byKey['C-LONG-LAST']).toMatch(
      /^STRING_TOO_LONG:Last Name: data value too large: .* \(max length=80\):LastName --$/,
    );
    expect(byKey['C-BAD-DATE']).toBe(
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Birthdate: value not of required type: 1903-02-30:Birthdate --',
    );
    expect(byKey['C-OK-1']).toMatch(
      /^DUPLICATE_VALUE:duplicate value found: Ext_Id__c duplicates value on record with id: 003/,
    );
    const ok = await job.getSuccessfulResults();
    expect(ok.map((r) => col(r, 'LastName')).sort()).toEqual(['Dijkstra "EWD"', 'Lovelace']);
    expect(await count(conn, 'SELECT COUNT() FROM Contact')).toBe(2);
  });

  test('upsert by external id updates instead of duplicating', async () => {
    const first = await runJob(conn, 'Account', 'upsert', fixture('accounts-upsert.csv'), 'Ext_Id__c');
    expect(first.info.numberRecordsFailed).toBe(1);
    expect((await first.job.getFailedResults())[0]!.sf__Error).toBe(
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Industry: bad value for restricted picklist field: NotAnIndustry:Industry --',
    );
    const second = await runJob(
      conn,
      'Account',
      'upsert',
      'Ext_Id__c,Name\na-1,Acme Corporation\nA-4,Hooli\n',
      'Ext_Id__c',
    );
    const results = await second.job.getSuccessfulResults();
    expect(results.map((r) => [col(r, 'Ext_Id__c'), String(r.sf__Created)]).sort()).toEqual([
      ['A-4', 'true'],
      ['a-1', 'false'],
    ]);
    const acme = await conn.query<{ Name: string; AnnualRevenue: number }>(
      "SELECT Name, AnnualRevenue FROM Account WHERE Ext_Id__c = 'A-1'",
    );
    expect(acme.records).toEqual([expect.objectContaining({ Name: 'Acme Corporation', AnnualRevenue: 1000000 })]);
    expect(await count(conn, 'SELECT COUNT() FROM Account')).toBe(3);
  });

  test('relationship columns link children to parents by external id', async () => {
    await runJob(conn, 'Account', 'upsert', fixture('accounts-upsert.csv'), 'Ext_Id__c');
    const { job, info } = await runJob(conn, 'Contact', 'upsert', fixture('contacts-by-account.csv'), 'Ext_Id__c');
    expect(info.numberRecordsFailed).toBe(1);
    expect((await job.getFailedResults())[0]!.sf__Error).toBe(
      'INVALID_FIELD:Foreign key external ID: A-404 not found for field Ext_Id__c in entity Account:--',
    );
    const linked = await conn.query<{ LastName: string; Account: { Ext_Id__c: string } }>(
      "SELECT LastName, Account.Ext_Id__c FROM Contact WHERE Account.Ext_Id__c IN ('A-1', 'A-2') ORDER BY LastName",
    );
    expect(linked.records.map((r) => [r.LastName, r.Account.Ext_Id__c])).toEqual([
      ['Lee', 'A-2'],
      ['Ng', 'A-1'],
    ]);
  });

  test('update, delete and hardDelete by id', async () => {
    const inserted = await runJob(conn, 'Contact', 'insert', contactsCsv(3));
    const ids = (await inserted.job.getSuccessfulResults()).map((r) => r.sf__Id as string).sort();
    const update = await runJob(
      conn,
      'Contact',
      'update',
      `Id,Title\n${ids[0]},CTO\n${ids[1]},\n001000000000000AAA,X\n`,
    );
    expect(update.info.numberRecordsFailed).toBe(1);
    expect((await update.job.getFailedResults())[0]!.sf__Error).toBe(
      'MALFORMED_ID:Contact ID: id value of incorrect type: 001000000000000AAA:Id --',
    );
    const rec = await conn.sobject('Contact').retrieve(ids[0]!);
    expect(rec.Title).toBe('CTO');
    await runJob(conn, 'Contact', 'delete', `Id\n${ids[0]}\n`);
    await runJob(conn, 'Contact', 'hardDelete', `Id\n${ids[1]}\n`);
    const again = await runJob(conn, 'Contact', 'delete', `Id\n${ids[0]}\n${ids[1]}\n`);
    const errors = (await again.job.getFailedResults()).map((r) => r.sf__Error).sort();
    expect(errors).toEqual([
      'ENTITY_IS_DELETED:entity is deleted:--',
      'INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--',
    ]);
    expect(await count(conn, 'SELECT COUNT() FROM Contact')).toBe(1);
    // queryAll also reads the recycle bin: the soft-deleted record, not the hard-deleted one.
    const all = await conn.query<{ Id: string; IsDeleted: boolean; Title: string }>(
      'SELECT Id, IsDeleted, Title FROM Contact ORDER BY Id',
      { scanAll: true },
    );
    expect(all.records.map((r) => [r.Id, r.IsDeleted, r.Title])).toEqual([
      [ids[0], true, 'CTO'],
      [ids[2], false, null],
    ]);
    const binned = await conn.query('SELECT COUNT() FROM Contact WHERE IsDeleted = true', { scanAll: true });
    expect(binned.totalSize).toBe(1);
    // COUNT() without WHERE is answered from the counts: queryAll's includes the recycle bin.
    expect((await conn.query('SELECT COUNT() FROM Contact', { scanAll: true })).totalSize).toBe(2);
  });

  test('an aborted job returns its records as unprocessed', async () => {
    const job = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await job.open();
    await job.uploadData(contactsCsv(25));
    await job.abort();
    const info = await job.check();
    expect(info.state).toBe('Aborted');
    const unprocessed = await job.getUnprocessedRecords();
    expect(unprocessed).toHaveLength(25);
    expect(await count(conn, 'SELECT COUNT() FROM Contact')).toBe(0);
  });

  test('a job whose header has a non-field fails whole and returns every row unprocessed', async () => {
    const { job, info } = await runJob(conn, 'Contact', 'insert', 'LastName,Row_Number\nA,1\nB,2\n');
    expect(info.state).toBe('Failed');
    expect(info.errorMessage).toBe('InvalidBatch : Field name not found : Row_Number');
    expect(await job.getUnprocessedRecords()).toHaveLength(2);
    expect(await count(conn, 'SELECT COUNT() FROM Contact')).toBe(0);
  });

  test('a second upload to the same job is rejected', async () => {
    const job = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await job.open();
    await job.uploadData(contactsCsv(1));
    // jsforce refuses a second upload itself, so send it as any other client could.
    const res = await fetch(`${emulator.orgs.dev!.instanceUrl}/services/data/v66.0/jobs/ingest/${job.id}/batches`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${conn.accessToken}`, 'Content-Type': 'text/csv' },
      body: contactsCsv(1, 1),
    });
    expect(res.status).toBe(400);
    const [error] = (await res.json()) as { errorCode: string; message: string }[];
    expect(error).toEqual({
      errorCode: 'BULK_API_ERROR',
      message: expect.stringMatching(/^Found multiple contents for job/),
    });
    await job.abort();
  });

  test('an upload over 100 MB is refused', async () => {
    const job = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await job.open();
    const row = `${'x'.repeat(1023)}\n`;
    const big = `LastName\n${row.repeat(100 * 1024 + 1)}`;
    const res = await fetch(`${emulator.orgs.dev!.instanceUrl}/services/data/v66.0/jobs/ingest/${job.id}/batches`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${conn.accessToken}`, 'Content-Type': 'text/csv' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errorCode: string }[])[0]!.errorCode).toBe('LIMIT_EXCEEDED');
    await job.abort();
  });

  test('describe gives the metadata our preflight relies on', async () => {
    const describe = await conn.sobject('Invoice__c').describe();
    const byName = Object.fromEntries(describe.fields.map((f) => [f.name, f]));
    expect(byName.Invoice_Number__c).toMatchObject({ externalId: true, unique: true, idLookup: true });
    expect(byName.Account__c).toMatchObject({
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'Account__r',
    });
    expect(describe.custom).toBe(true);
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Account', 'Case', 'Contact', 'Invoice__c', 'Lead', 'Opportunity']),
    );
  });
});
