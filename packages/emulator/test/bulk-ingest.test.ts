import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, BulkIngest, BulkIngestOptions, JobState } from '../src/bulk-ingest';
import { FaultConfig, FaultInjector } from '../src/fault-injector';
import { OrgData } from '../src/org-data';
import { newSalesforceId } from '../src/salesforce-id';
import { BUILTIN_OBJECTS_DIR, SchemaRegistry, SObjectRecord } from '../src/sobject-schema';
import { until } from './support/until';

const SCHEMAS = SchemaRegistry.fromDirectories([BUILTIN_OBJECTS_DIR]);
const USER_ID = newSalesforceId('005', 1);
const API_VERSION = 66;
const TERMINAL: readonly JobState[] = ['JobComplete', 'Failed', 'Aborted'];

/** One org's ingest side, driven in process as the HTTP layer drives it. */
class TestOrg {
  readonly data = new OrgData(SCHEMAS);
  readonly ingest: BulkIngest;

  constructor(options: BulkIngestOptions = {}, faults: FaultConfig = {}) {
    this.ingest = new BulkIngest(SCHEMAS, this.data, new FaultInjector(faults), USER_ID, options);
  }

  /** Creates a job and returns its id. */
  create(body: Record<string, unknown>): string {
    return this.ingest.create(body, API_VERSION).id as string;
  }

  /** Creates a job, uploads the CSV and closes the job; returns the job id. */
  submit(body: Record<string, unknown>, csv: string): string {
    const id = this.create(body);
    this.ingest.upload(id, Buffer.from(csv, 'utf8'));
    this.ingest.setState(id, 'UploadComplete');
    return id;
  }

  state(id: string): JobState {
    return this.ingest.get(id).state as JobState;
  }

  /** Polls the job as a client does until it is JobComplete, Failed or Aborted; returns the job info. */
  async finished(id: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (!TERMINAL.includes(this.state(id))) {
      if (Date.now() > deadline) throw new Error(`job ${id} still ${this.state(id)} after ${timeoutMs} ms`);
      await sleep(2);
    }
    return this.ingest.get(id);
  }

  /** A result CSV as the client downloads it. */
  async csv(id: string, kind: 'successful' | 'failed' | 'unprocessed'): Promise<string> {
    return (await this.ingest.results(id, kind)).join('');
  }

  contacts(): SObjectRecord[] {
    return [...this.data.records('Contact')];
  }
}

const INSERT_CONTACTS = { object: 'Contact', operation: 'insert' };

/** The records a job has processed so far, as its job info reports them. */
function processed(org: TestOrg, id: string): number {
  return Number(org.ingest.get(id).numberRecordsProcessed);
}

/** A CSV of `n` contacts (LF line endings). */
function contactsCsv(n: number): string {
  return ['FirstName,LastName', ...Array.from({ length: n }, (_, i) => `First${i},Last${i}`)].join('\n') + '\n';
}

function apiError(request: () => unknown): ApiError {
  try {
    request();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('job creation', () => {
  test('a new job is Open, with the settings Salesforce reports', () => {
    const info = new TestOrg().ingest.create(INSERT_CONTACTS, API_VERSION);
    expect(info).toMatchObject({
      id: expect.stringMatching(/^750[0-9A-Za-z]{15}$/),
      object: 'Contact',
      operation: 'insert',
      state: 'Open',
      contentType: 'CSV',
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      concurrencyMode: 'Parallel',
      jobType: 'V2Ingest',
      apiVersion: API_VERSION,
      createdById: USER_ID,
    });
  });

  test('an unknown object is refused with INVALIDJOB', () => {
    const err = apiError(() => new TestOrg().create({ object: 'Widget__c', operation: 'insert' }));
    expect([err.status, err.errorCode, err.message]).toEqual([
      400,
      'INVALIDJOB',
      'InvalidJob : Unable to find object: Widget__c',
    ]);
  });

  test('an operation Bulk API 2.0 does not have is refused with INVALIDJOB', () => {
    const err = apiError(() => new TestOrg().create({ object: 'Contact', operation: 'merge' }));
    expect([err.status, err.errorCode, err.message]).toEqual([
      400,
      'INVALIDJOB',
      'InvalidJob : Invalid operation: merge',
    ]);
  });

  test.each(['constructor', 'toString', '__proto__', 'SPACE', 7])(
    'a columnDelimiter Bulk API 2.0 does not have (%s) is refused with INVALIDJOB',
    (columnDelimiter) => {
      const err = apiError(() => new TestOrg().create({ ...INSERT_CONTACTS, columnDelimiter }));
      expect([err.status, err.errorCode, err.message]).toEqual([
        400,
        'INVALIDJOB',
        `InvalidJob : Invalid columnDelimiter: ${columnDelimiter}`,
      ]);
    },
  );

  test('an upsert without externalIdFieldName is refused with INVALIDJOB', () => {
    const err = apiError(() => new TestOrg().create({ object: 'Account', operation: 'upsert' }));
    expect([err.status, err.errorCode, err.message]).toEqual([
      400,
      'INVALIDJOB',
      'InvalidJob : External ID was blank for Account. An External ID must be specified for upsert.',
    ]);
  });

  test('an upsert on a field that is not an external id is refused with INVALIDJOB', () => {
    const err = apiError(() =>
      new TestOrg().create({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Site' }),
    );
    expect([err.status, err.errorCode, err.message]).toEqual([
      400,
      'INVALIDJOB',
      'InvalidJob : Field name provided, Site is not an External ID or indexed field for Account',
    ]);
  });

  test('an upsert on an external id field is accepted and reports the field', () => {
    const info = new TestOrg().ingest.create(
      { object: 'account', operation: 'upsert', externalIdFieldName: 'ext_id__c' },
      API_VERSION,
    );
    expect(info).toMatchObject({ object: 'Account', externalIdFieldName: 'Ext_Id__c', state: 'Open' });
  });
});

describe('upload and state machine', () => {
  test('a second upload to the same job is refused with BULK_API_ERROR', () => {
    const org = new TestOrg();
    const id = org.create(INSERT_CONTACTS);
    org.ingest.upload(id, Buffer.from(contactsCsv(1)));
    const err = apiError(() => org.ingest.upload(id, Buffer.from(contactsCsv(1))));
    expect([err.status, err.errorCode]).toEqual([400, 'BULK_API_ERROR']);
    expect(err.message).toMatch(new RegExp(`^Found multiple contents for job: <${id}>`));
  });

  test('closing a job without data makes it Failed', async () => {
    const org = new TestOrg();
    const id = org.create(INSERT_CONTACTS);
    org.ingest.setState(id, 'UploadComplete');
    expect(await org.finished(id)).toMatchObject({ state: 'Failed', numberRecordsProcessed: 0 });
  });

  test('closing a job answers with state UploadComplete', async () => {
    const org = new TestOrg();
    const id = org.create(INSERT_CONTACTS);
    org.ingest.upload(id, Buffer.from(contactsCsv(2)));
    expect(org.ingest.setState(id, 'UploadComplete').state).toBe('UploadComplete');
    await org.finished(id);
  });

  test('a job goes Open → UploadComplete → InProgress → JobComplete', async () => {
    // 400 records at 4,000 per second: two chunks of 200, each taking 50 ms.
    const org = new TestOrg({ recordsPerSecond: 4_000 });
    const id = org.create(INSERT_CONTACTS);
    const seen: string[] = [org.state(id)];
    org.ingest.upload(id, Buffer.from(contactsCsv(400)));
    seen.push(org.state(id));
    seen.push(org.ingest.setState(id, 'UploadComplete').state as string);
    while (!TERMINAL.includes(org.state(id))) {
      seen.push(org.state(id));
      await sleep(2);
    }
    seen.push(org.state(id));
    expect(seen.filter((s, i) => s !== seen[i - 1])).toEqual(['Open', 'UploadComplete', 'InProgress', 'JobComplete']);
  });

  test('a completed job reports its counts and has created the records', async () => {
    const org = new TestOrg();
    const id = org.submit(INSERT_CONTACTS, 'FirstName,LastName\nAda,Lovelace\nGrace,\n');
    expect(await org.finished(id)).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 2,
      numberRecordsFailed: 1,
    });
    expect(org.contacts().map((c) => c.LastName)).toEqual(['Lovelace']);
  });

  test('results of a job that is not finished are refused with INVALIDJOBSTATE', async () => {
    const org = new TestOrg();
    const id = org.create(INSERT_CONTACTS);
    const err = await org.ingest.results(id, 'successful').then(
      () => {
        throw new Error('expected the request to be refused');
      },
      (e: unknown) => e as ApiError,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.errorCode]).toEqual([400, 'INVALIDJOBSTATE']);
  });

  test('a header that is not a field fails the job and leaves every row unprocessed', async () => {
    const org = new TestOrg();
    const id = org.submit(INSERT_CONTACTS, 'FirstName,LastName,Bogus\nAda,Lovelace,x\nGrace,Hopper,y\n');
    expect(await org.finished(id)).toMatchObject({
      state: 'Failed',
      errorMessage: 'InvalidBatch : Field name not found : Bogus',
      numberRecordsProcessed: 0,
    });
    expect(await org.csv(id, 'unprocessed')).toBe('FirstName,LastName,Bogus\nAda,Lovelace,x\nGrace,Hopper,y\n');
    expect(org.contacts()).toEqual([]);
  });

  test('aborting an Open job with data makes it Aborted with every row unprocessed', async () => {
    const org = new TestOrg();
    const id = org.create(INSERT_CONTACTS);
    org.ingest.upload(id, Buffer.from('FirstName,LastName\nAda,Lovelace\n"Grace ""Amazing""",Hopper\n'));
    expect(org.ingest.setState(id, 'Aborted').state).toBe('Aborted');
    expect(await org.finished(id)).toMatchObject({ state: 'Aborted', numberRecordsProcessed: 0 });
    expect(await org.csv(id, 'unprocessed')).toBe('FirstName,LastName\nAda,Lovelace\n"Grace ""Amazing""",Hopper\n');
    expect(org.contacts()).toEqual([]);
  });

  test('an InProgress job that is aborted keeps what it loaded and gives its results once it reports Aborted', async () => {
    // 1,000 records at 2,000 per second: five chunks of 200, each taking 100 ms.
    const org = new TestOrg({ recordsPerSecond: 2_000 });
    const id = org.submit(INSERT_CONTACTS, contactsCsv(1_000));
    await until(() => processed(org, id) > 0, 'the first chunk loaded');
    expect(processed(org, id)).toBeLessThan(1_000);
    expect(org.ingest.setState(id, 'Aborted').state).toBe('Aborted');
    expect(await org.finished(id)).toMatchObject({ state: 'Aborted' });
    const loaded = (await org.csv(id, 'successful')).split('\n').length - 2;
    const unprocessed = (await org.csv(id, 'unprocessed')).split('\n').length - 2;
    expect(unprocessed).toBeGreaterThan(0);
    expect(loaded + unprocessed).toBe(1_000);
    expect(org.contacts()).toHaveLength(loaded);
  });

  test('an upload of 100,000,001 bytes is refused with LIMIT_EXCEEDED; 100,000,000 bytes are accepted', () => {
    const org = new TestOrg();
    const tooBig = Buffer.alloc(100_000_001, 'x');
    const err = apiError(() => org.ingest.upload(org.create(INSERT_CONTACTS), tooBig));
    expect([err.status, err.errorCode, err.message]).toEqual([
      413,
      'LIMIT_EXCEEDED',
      "The upload is 100000001 bytes; a job's data can be at most 100000000 bytes (100 MB). Split the data into several jobs.",
    ]);
    const id = org.create(INSERT_CONTACTS);
    org.ingest.upload(id, tooBig.subarray(0, 100_000_000));
    expect(org.state(id)).toBe('Open');
  });

  test('CRLF data in an LF job fails the job', async () => {
    const org = new TestOrg();
    const id = org.submit(INSERT_CONTACTS, 'FirstName,LastName\r\nAda,Lovelace\r\n');
    expect(await org.finished(id)).toMatchObject({
      state: 'Failed',
      errorMessage: 'ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF',
    });
    expect(org.contacts()).toEqual([]);
  });

  test('CRLF data in a CRLF job is loaded', async () => {
    const org = new TestOrg();
    const id = org.submit({ ...INSERT_CONTACTS, lineEnding: 'CRLF' }, 'FirstName,LastName\r\nAda,Lovelace\r\n');
    expect(await org.finished(id)).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 1 });
  });
});

describe('restart', () => {
  test('a job created after a restart gets an id no restored job has', async () => {
    const before = new TestOrg();
    const ids = [1, 2, 3].map(() => before.create(INSERT_CONTACTS));
    before.ingest.setState(ids[0]!, 'Aborted');
    before.ingest.delete(ids[0]!);
    const after = new TestOrg();
    after.ingest.restore(before.ingest.snapshot());
    const fresh = after.create(INSERT_CONTACTS);
    expect(ids.slice(1)).not.toContain(fresh);
    expect(after.state(ids[2]!)).toBe('Open');
  });
});

describe('result CSVs', () => {
  // Source: the example answers of "Bulk API 2.0 Step 3: Bulk Insert" and "Step 5: Bulk Upsert" (Bulk API 2.0
  // Developer Guide, docs/emulator.md [S37]): `"sf__Id","sf__Created",FirstName,LastName,MailingCity` then every
  // value quoted; the uploaded names are echoed as uploaded.
  test('successfulResults quotes the sf__ columns and every value, with LF line endings', async () => {
    const org = new TestOrg();
    const id = org.submit(INSERT_CONTACTS, 'FirstName,LastName\nAda,Lovelace\n"He said ""hi"", then\nleft",Hopper\n');
    await org.finished(id);
    const idOf = (lastName: string) => org.contacts().find((c) => c.LastName === lastName)!.Id;
    expect(await org.csv(id, 'successful')).toBe(
      '"sf__Id","sf__Created",FirstName,LastName\n' +
        `"${idOf('Lovelace')}","true","Ada","Lovelace"\n` +
        `"${idOf('Hopper')}","true","He said ""hi"", then\nleft","Hopper"\n`,
    );
  });

  test('failedResults gives an empty sf__Id and the sf__Error text', async () => {
    const org = new TestOrg();
    const id = org.submit(INSERT_CONTACTS, 'FirstName,LastName\nAda,\n');
    await org.finished(id);
    expect(await org.csv(id, 'failed')).toBe(
      '"sf__Id","sf__Error",FirstName,LastName\n' +
        '"","REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --","Ada",""\n',
    );
  });

  test('unprocessedrecords of an aborted job are the uploaded bytes: header and rows as sent', async () => {
    const org = new TestOrg();
    const id = org.create(INSERT_CONTACTS);
    const uploaded =
      '"FirstName","Email",LastName\n' +
      '"A","a@b.com",Lovelace\n' +
      'Grace,"g@h.com","Hopper ""Amazing"", multi\nline"\n' +
      '"",,"x"\n';
    org.ingest.upload(id, Buffer.from(uploaded, 'utf8'));
    org.ingest.setState(id, 'Aborted');
    expect(await org.csv(id, 'unprocessed')).toBe(uploaded);
  });

  test('unprocessedrecords of a job failed mid-way are the uploaded bytes of the rows it did not reach', async () => {
    const org = new TestOrg({}, { failJobAfterRecords: 1 });
    const id = org.submit(
      INSERT_CONTACTS,
      '"FirstName",LastName\n"A",Lovelace\n"B","Hopper, ""Amazing""\nGrace"\nC,"Curie"\n',
    );
    expect(await org.finished(id)).toMatchObject({ state: 'Failed', numberRecordsProcessed: 1 });
    expect(await org.csv(id, 'unprocessed')).toBe(
      '"FirstName",LastName\n"B","Hopper, ""Amazing""\nGrace"\nC,"Curie"\n',
    );
  });

  test('unprocessedrecords of a CRLF job end each record with LF, as every result CSV, and keep quoted CRLFs', async () => {
    const org = new TestOrg();
    const id = org.submit(
      { ...INSERT_CONTACTS, lineEnding: 'CRLF' },
      '"FirstName",LastName,Bogus\r\n"A","Love\r\nlace",1\r\nB,Hopper,"2"\r\n',
    );
    expect(await org.finished(id)).toMatchObject({ state: 'Failed' });
    expect(await org.csv(id, 'unprocessed')).toBe('"FirstName",LastName,Bogus\n"A","Love\r\nlace",1\nB,Hopper,"2"\n');
  });

  test('unprocessedrecords of a job whose data cannot be parsed are its lines as sent', async () => {
    const org = new TestOrg();
    const id = org.create(INSERT_CONTACTS);
    org.ingest.upload(id, Buffer.from('FirstName,LastName\nA,"Love\nB,Hopper\n', 'utf8'));
    org.ingest.setState(id, 'Aborted');
    expect(await org.csv(id, 'unprocessed')).toBe('FirstName,LastName\nA,"Love\nB,Hopper\n');
  });

  test('a finished job without failures has a failedResults CSV with the header only', async () => {
    const org = new TestOrg();
    const id = org.submit(INSERT_CONTACTS, 'FirstName,LastName\nAda,Lovelace\n');
    await org.finished(id);
    expect(await org.csv(id, 'failed')).toBe('"sf__Id","sf__Error",FirstName,LastName\n');
  });
});

describe('processing limits and faults', () => {
  test('failJobAfterRecords fails the job and leaves the rest unprocessed', async () => {
    const org = new TestOrg({}, { failJobAfterRecords: 3 });
    const id = org.submit(INSERT_CONTACTS, contactsCsv(5));
    expect(await org.finished(id)).toMatchObject({
      state: 'Failed',
      numberRecordsProcessed: 3,
      errorMessage: expect.stringMatching(/^InternalServerError : /),
    });
    expect(await org.csv(id, 'unprocessed')).toBe('FirstName,LastName\nFirst3,Last3\nFirst4,Last4\n');
    expect(org.contacts()).toHaveLength(3);
  });

  test('failJobsCount is used up only by a job that reaches failJobAfterRecords and is failed', async () => {
    const org = new TestOrg({}, { failJobAfterRecords: 3, failJobsCount: 1 });
    const small = org.submit(INSERT_CONTACTS, contactsCsv(3));
    expect(await org.finished(small)).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 3 });
    const badHeader = org.submit(INSERT_CONTACTS, 'FirstName,LastName,Bogus\nAda,Lovelace,x\nB,C,y\nD,E,z\nF,G,h\n');
    expect(await org.finished(badHeader)).toMatchObject({
      state: 'Failed',
      errorMessage: 'InvalidBatch : Field name not found : Bogus',
    });
    const failing = org.submit(INSERT_CONTACTS, contactsCsv(5));
    expect(await org.finished(failing)).toMatchObject({
      state: 'Failed',
      numberRecordsProcessed: 3,
      errorMessage: expect.stringMatching(/^InternalServerError : /),
    });
    const after = org.submit(INSERT_CONTACTS, contactsCsv(5));
    expect(await org.finished(after)).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 5 });
  });

  test('reaching dailyRecordLimit while processing fails the job with ExceededQuota', async () => {
    const org = new TestOrg({ dailyRecordLimit: 200 });
    const id = org.submit(INSERT_CONTACTS, contactsCsv(250));
    const info = await org.finished(id);
    expect(info).toMatchObject({ state: 'Failed', numberRecordsProcessed: 200 });
    expect(info.errorMessage).toMatch(/^ExceededQuota : /);
    expect((await org.csv(id, 'unprocessed')).split('\n')).toHaveLength(1 + 50 + 1);
  });

  test('once dailyRecordLimit is reached a new job is refused with EXCEEDED_QUOTA', async () => {
    const org = new TestOrg({ dailyRecordLimit: 200 });
    await org.finished(org.submit(INSERT_CONTACTS, contactsCsv(200)));
    const err = apiError(() => org.create(INSERT_CONTACTS));
    expect([err.status, err.errorCode]).toEqual([400, 'EXCEEDED_QUOTA']);
  });

  test('recordsPerSecond slows a large job: still InProgress shortly after close', async () => {
    // 400 records at 1,000 per second take 400 ms.
    const org = new TestOrg({ recordsPerSecond: 1_000 });
    const id = org.submit(INSERT_CONTACTS, contactsCsv(400));
    await until(() => processed(org, id) > 0, 'the first chunk loaded');
    expect(org.state(id)).toBe('InProgress');
    expect(processed(org, id)).toBeLessThan(400);
    expect(await org.finished(id)).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 400 });
  });

  test('recordsPerSecond slows a job of fewer than 200 records too', async () => {
    // 10 records at 20 per second take 500 ms.
    const org = new TestOrg({ recordsPerSecond: 20 });
    const id = org.submit(INSERT_CONTACTS, contactsCsv(10));
    await until(() => org.state(id) !== 'UploadComplete', 'the job picked up');
    expect(org.state(id)).toBe('InProgress');
    expect(await org.finished(id)).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 10 });
  });
});

// What is not emulated is refused loudly (issue 16): NOT_EMULATED is the emulator's own code, never Salesforce's.
describe('requests the emulator does not emulate', () => {
  test('a job property "Create a Job" does not document is refused with NOT_EMULATED, naming it', () => {
    const err = apiError(() => new TestOrg().create({ ...INSERT_CONTACTS, concurrencyMode: 'Serial' }));
    expect([err.status, err.errorCode]).toEqual([400, 'NOT_EMULATED']);
    expect(err.message).toMatch(/^Not emulated: the job property "concurrencyMode"\. /);
  });

  test('assignmentRuleId, documented but not emulated, is refused with NOT_EMULATED', () => {
    const err = apiError(() => new TestOrg().create({ object: 'Lead', operation: 'insert', assignmentRuleId: '01Q' }));
    expect([err.status, err.errorCode]).toEqual([400, 'NOT_EMULATED']);
    expect(err.message).toContain('assignment rules');
  });

  test("the runner's create body (contentType CSV, columnDelimiter COMMA, lineEnding LF, externalIdFieldName) is accepted", () => {
    const body = {
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'Ext_Id__c',
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    };
    expect(new TestOrg().ingest.create(body, API_VERSION).state).toBe('Open');
  });
});

// "contentUrl: The URL to use for Upload Job Data requests for this job. Only valid if the job is in Open state."
// (Salesforce, "Get Information About an Ingest Job"); a recorded Failed job's info has none (amp-labs/connectors#118).
describe('job info after the job leaves Open', () => {
  test('an Open job names its contentUrl; once closed, aborted or finished it has none', async () => {
    const org = new TestOrg();
    const id = org.create(INSERT_CONTACTS);
    expect(org.ingest.get(id).contentUrl).toBe(`services/data/v66.0/jobs/ingest/${id}/batches`);
    org.ingest.upload(id, Buffer.from(contactsCsv(2)));
    const closed = org.ingest.setState(id, 'UploadComplete');
    expect(closed).not.toHaveProperty('contentUrl');
    expect(await org.finished(id)).not.toHaveProperty('contentUrl');
    const aborted = org.create(INSERT_CONTACTS);
    expect(org.ingest.setState(aborted, 'Aborted')).not.toHaveProperty('contentUrl');
  });
});

// The same upsert key twice in one job: sources in docs/emulator.md ("Same upsert key twice in one job").
describe('the same upsert key twice in one job', () => {
  const UPSERT = { object: 'Contact', operation: 'upsert', externalIdFieldName: 'Ext_Id__c' };

  test('within one 200-record transaction every row with the key fails with DUPLICATE_VALUE; nothing is written', async () => {
    const org = new TestOrg();
    const id = org.submit(UPSERT, 'Ext_Id__c,LastName\nK-1,First\nK-2,Other\nk-1,Second\n');
    expect(await org.finished(id)).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 3,
      numberRecordsFailed: 2,
    });
    expect(await org.csv(id, 'failed')).toBe(
      '"sf__Id","sf__Error",Ext_Id__c,LastName\n' +
        '"","DUPLICATE_VALUE:Duplicate external id specified: K-1:Ext_Id__c --","K-1","First"\n' +
        '"","DUPLICATE_VALUE:Duplicate external id specified: k-1:Ext_Id__c --","k-1","Second"\n',
    );
    expect(org.contacts().map((c) => c.Ext_Id__c)).toEqual(['K-2']);
  });

  test('in two transactions the rows apply in order: the later row updates the record the earlier one made', async () => {
    const org = new TestOrg();
    const rows = ['Ext_Id__c,LastName', 'K-1,First'];
    for (let i = 0; i < 199; i++) rows.push(`F-${i},Filler`);
    rows.push('K-1,Second');
    const id = org.submit(UPSERT, rows.join('\n') + '\n');
    expect(await org.finished(id)).toMatchObject({ numberRecordsProcessed: 201, numberRecordsFailed: 0 });
    expect(org.contacts().filter((c) => c.Ext_Id__c === 'K-1')).toEqual([
      expect.objectContaining({ LastName: 'Second' }),
    ]);
  });
});
