import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../src/api-error';
import { BulkQuery } from '../src/bulk-query';
import { OrgData } from '../src/org-data';
import { newSalesforceId } from '../src/salesforce-id';
import { BUILTIN_OBJECTS_DIR, SchemaRegistry } from '../src/sobject-schema';
import { SoqlError } from '../src/soql';

// Bulk API 2.0 query jobs as Salesforce's Bulk API 2.0 Developer Guide describes them: "Create a Query Job",
// "Get Information About a Query Job", "Get Results for a Query Job" (locator, maxRecords, Sforce-Locator
// "null" after the last set, Sforce-NumberOfRecords), "Understanding Bulk API 2.0 Query" (no COUNT(), no OFFSET).

const SCHEMAS = SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR]);
const USER_ID = newSalesforceId('005', 7);
const NOW = new Date('2026-03-01T12:00:00.000Z');

class TestOrg {
  readonly data = new OrgData(SCHEMAS);
  private jobs = 1;
  readonly query = new BulkQuery({
    source: (withDeleted) => ({
      schemas: SCHEMAS,
      records: (name) => (withDeleted ? this.data.recordsWithDeleted(name) : this.data.records(name)),
      recordById: (id) => this.data.get(id),
    }),
    userId: USER_ID,
    newJobId: () => newSalesforceId('750', this.jobs++),
    clock: () => NOW,
  });

  account(name: string, ext: string): string {
    return this.data.insert(
      SCHEMAS.get('Account')!,
      { Name: name, Ext_Id__c: ext },
      '2026-01-01T00:00:00.000+0000',
      USER_ID,
    );
  }

  contact(lastName: string, accountId: string | null): string {
    return this.data.insert(
      SCHEMAS.get('Contact')!,
      { LastName: lastName, AccountId: accountId },
      '2026-01-02T03:04:05.000+0000',
      USER_ID,
    );
  }

  /** Creates a job and waits until it is complete; its id. */
  async complete(body: Record<string, unknown>, apiVersion = 66): Promise<string> {
    const created = this.query.create(body, apiVersion);
    expect(created.state).toBe('UploadComplete');
    const id = created.id as string;
    for (let i = 0; i < 500 && this.query.get(id).state !== 'JobComplete'; i++) await sleep(2);
    expect(this.query.get(id).state).toBe('JobComplete');
    return id;
  }
}

function refusal(request: () => unknown): ApiError {
  try {
    request();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('Bulk API 2.0 query jobs', () => {
  test('a job answers UploadComplete at creation, then JobComplete with the V2Query job info', async () => {
    const org = new TestOrg();
    org.account('Acme', 'A-1');
    const created = org.query.create({ operation: 'query', query: 'SELECT Id, Name FROM Account' }, 66);
    expect(created).toEqual({
      id: expect.stringMatching(/^750/),
      operation: 'query',
      object: 'Account',
      createdById: USER_ID,
      createdDate: '2026-03-01T12:00:00.000+0000',
      systemModstamp: '2026-03-01T12:00:00.000+0000',
      state: 'UploadComplete',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: 66,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    });
    const id = await org.complete({ query: 'SELECT Id FROM Account' });
    expect(org.query.get(id)).toMatchObject({ jobType: 'V2Query', numberRecordsProcessed: 1, retries: 0 });
  });

  test('results: quoted values in select order, a parent field by its path, null as empty, datetimes with Z', async () => {
    const org = new TestOrg();
    const acme = org.account('Acme "Corp"', 'A-1');
    const smith = org.contact('Smith', acme);
    const jones = org.contact('Jones', null);
    const id = await org.complete({ query: 'SELECT Id, lastname, Account.Name, CreatedDate FROM Contact' });
    expect(org.query.results(id, undefined, undefined, 66)).toEqual({
      csv:
        '"Id","LastName","Account.Name","CreatedDate"\n' +
        `"${smith}","Smith","Acme ""Corp""","2026-01-02T03:04:05.000Z"\n` +
        `"${jones}","Jones","","2026-01-02T03:04:05.000Z"\n`,
      numberOfRecords: 2,
      locator: 'null',
    });
  });

  test('maxRecords pages the results; each set has the header; a locator gives the same set again', async () => {
    const org = new TestOrg();
    for (let i = 0; i < 5; i++) org.account(`A${i}`, `E-${i}`);
    const id = await org.complete({ query: 'SELECT Name FROM Account', lineEnding: 'CRLF', columnDelimiter: 'PIPE' });
    const first = org.query.results(id, undefined, '2', 66);
    expect(first).toEqual({ csv: '"Name"\r\n"A0"\r\n"A1"\r\n', numberOfRecords: 2, locator: expect.any(String) });
    const second = org.query.results(id, first.locator, '2', 66);
    expect(second.csv).toBe('"Name"\r\n"A2"\r\n"A3"\r\n');
    expect(org.query.results(id, first.locator, '2', 66)).toEqual(second);
    const last = org.query.results(id, second.locator, '2', 66);
    expect(last).toEqual({ csv: '"Name"\r\n"A4"\r\n', numberOfRecords: 1, locator: 'null' });
  });

  test('queryAll reads the recycle bin, query does not', async () => {
    const org = new TestOrg();
    org.data.delete(SCHEMAS.get('Account')!, org.account('Gone', 'G-1'), false);
    org.account('Here', 'H-1');
    const query = await org.complete({ operation: 'query', query: 'SELECT Name FROM Account' });
    const all = await org.complete({ operation: 'queryAll', query: 'SELECT Name FROM Account' });
    expect(org.query.results(query, undefined, undefined, 66).numberOfRecords).toBe(1);
    expect(org.query.results(all, undefined, undefined, 66).numberOfRecords).toBe(2);
  });

  test('results in another API version than the job was created in: 409, as the guide says', async () => {
    const org = new TestOrg();
    const id = await org.complete({ query: 'SELECT Id FROM Account' }, 60);
    expect(refusal(() => org.query.results(id, undefined, undefined, 66)).status).toBe(409);
  });

  test('a query with an unknown field is refused at creation with the REST query error (answered as HTTP 400)', () => {
    expect(() => new TestOrg().query.create({ query: 'SELECT Nope FROM Account' }, 66)).toThrow(
      expect.objectContaining({ errorCode: 'INVALID_FIELD' }),
    );
    expect(() => new TestOrg().query.create({ query: 'SELECT Nope FROM Account' }, 66)).toThrow(SoqlError);
  });

  test.each([
    ['SELECT COUNT() FROM Account', 'COUNT()'],
    ['SELECT Id FROM Account LIMIT 5 OFFSET 2', 'OFFSET'],
  ])('%s, which Bulk API 2.0 does not support, is refused with NOT_EMULATED', (query, what) => {
    const err = refusal(() => new TestOrg().query.create({ query }, 66));
    expect([err.status, err.errorCode]).toEqual([400, 'NOT_EMULATED']);
    expect(err.message).toContain(what);
  });

  test('a property "Create a Query Job" does not document is refused with NOT_EMULATED', () => {
    const err = refusal(() => new TestOrg().query.create({ query: 'SELECT Id FROM Account', pkChunking: true }, 66));
    expect([err.status, err.errorCode]).toEqual([400, 'NOT_EMULATED']);
  });

  test('a deleted job is gone; a complete job cannot be aborted', async () => {
    const org = new TestOrg();
    const id = await org.complete({ query: 'SELECT Id FROM Account' });
    expect(refusal(() => org.query.setState(id, 'Aborted')).status).toBe(409);
    org.query.delete(id);
    expect(refusal(() => org.query.get(id))).toMatchObject({ status: 404, errorCode: 'NOT_FOUND' });
  });
});
