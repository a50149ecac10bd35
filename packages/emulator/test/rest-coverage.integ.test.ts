import { parse } from 'csv-parse/sync';
import { OrgEmulator, OrgEndpoint } from '../src';
import {
  accessToken,
  api,
  bulkInsert,
  connect,
  contactsCsv,
  jobInState,
  query,
  runBulkJob,
  setFaults,
} from './support/emulator-client';

const NOT_FOUND = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];
const INVALID_SESSION = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

/** Job ids and record ids in result CSVs are generated: they are compared as `<id>`. */
const withoutIds = (csv: string) => csv.replace(/"(003|001)[0-9A-Za-z]{15}"/g, '"<id>"');

/** Creates an ingest job with the given settings and uploads `csv`, leaving it Open. */
async function openJob(org: OrgEndpoint, bearer: string, job: Record<string, unknown>, csv: string) {
  const created = await api(org, bearer, '/jobs/ingest', { method: 'POST', json: job });
  expect(created.status).toBe(200);
  const id = created.body.id as string;
  expect((await api(org, bearer, `/jobs/ingest/${id}/batches`, { method: 'PUT', csv })).status).toBe(201);
  return id;
}

describe('the org emulator over HTTP: REST, Bulk API 2.0 and control endpoints', () => {
  let emulator: OrgEmulator;
  let dev: OrgEndpoint;
  let bearer: string;

  beforeAll(async () => {
    emulator = await OrgEmulator.start({
      orgs: [
        'dev',
        // 200 records a second: one transaction of 200 records takes a second, long enough to act on it.
        { name: 'slow', recordsPerSecond: 200 },
        { name: 'nohard', hardDeleteAllowed: false },
        { name: 'narrow', minApiVersion: 50, maxApiVersion: 60 },
      ],
    });
    dev = emulator.orgs.dev!;
  });
  afterAll(() => emulator.stop());
  beforeEach(async () => {
    emulator.org('dev').reset();
    await setFaults(dev, {});
    bearer = await accessToken(dev);
  });

  describe('DELETE …/jobs/ingest/<id>', () => {
    test('a JobComplete, Failed or Aborted job is deleted with 204; its info and results then 404', async () => {
      const complete = await runBulkJob(dev, bearer, { object: 'Contact', operation: 'insert' }, contactsCsv(3));
      const failed = await runBulkJob(dev, bearer, { object: 'Contact', operation: 'insert' }, 'LastName,Nope\nA,1\n');
      const abortedId = await openJob(dev, bearer, { object: 'Contact', operation: 'insert' }, contactsCsv(2));
      await api(dev, bearer, `/jobs/ingest/${abortedId}`, { method: 'PATCH', json: { state: 'Aborted' } });
      expect([complete.state, failed.state, (await jobInState(dev, bearer, abortedId, ['Aborted'])).state]).toEqual([
        'JobComplete',
        'Failed',
        'Aborted',
      ]);

      for (const id of [complete.id as string, failed.id as string, abortedId]) {
        expect(await api(dev, bearer, `/jobs/ingest/${id}`, { method: 'DELETE' })).toEqual({ status: 204, body: '' });

        expect(await api(dev, bearer, `/jobs/ingest/${id}`)).toEqual({ status: 404, body: NOT_FOUND });
        for (const results of ['successfulResults', 'failedResults', 'unprocessedrecords']) {
          expect(await api(dev, bearer, `/jobs/ingest/${id}/${results}`)).toEqual({ status: 404, body: NOT_FOUND });
        }
        expect(await api(dev, bearer, `/jobs/ingest/${id}`, { method: 'DELETE' })).toEqual({
          status: 404,
          body: NOT_FOUND,
        });
      }
      expect((await api(dev, bearer, '/jobs/ingest')).body.records).toEqual([]);
      // Deleting a job leaves the records it loaded.
      expect((await query(dev, bearer, 'SELECT COUNT() FROM Contact')).totalSize).toBe(3);
    });

    test('an InProgress job is refused with INVALIDJOBSTATE and goes on to complete', async () => {
      const slow = emulator.orgs.slow!;
      const slowBearer = await accessToken(slow);
      const id = await openJob(slow, slowBearer, { object: 'Contact', operation: 'insert' }, contactsCsv(400));
      await api(slow, slowBearer, `/jobs/ingest/${id}`, { method: 'PATCH', json: { state: 'UploadComplete' } });
      await jobInState(slow, slowBearer, id, ['InProgress']);

      const refused = await api(slow, slowBearer, `/jobs/ingest/${id}`, { method: 'DELETE' });

      expect(refused).toEqual({
        status: 400,
        body: [
          { errorCode: 'INVALIDJOBSTATE', message: expect.stringMatching(new RegExp(`^Job ${id} is InProgress;`)) },
        ],
      });
      const done = await jobInState(slow, slowBearer, id, ['JobComplete', 'Failed', 'Aborted']);
      expect(done).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 400, numberRecordsFailed: 0 });
      expect((await api(slow, slowBearer, `/jobs/ingest/${id}`, { method: 'DELETE' })).status).toBe(204);
    });

    test('an Open job is refused; an UploadComplete job waiting in the queue is deleted and never processed', async () => {
      const open = await openJob(dev, bearer, { object: 'Contact', operation: 'insert' }, contactsCsv(2));
      const refused = await api(dev, bearer, `/jobs/ingest/${open}`, { method: 'DELETE' });
      expect(refused).toEqual({
        status: 400,
        body: [{ errorCode: 'INVALIDJOBSTATE', message: expect.stringMatching(new RegExp(`^Job ${open} is Open;`)) }],
      });

      // On the slow org, a second job waits UploadComplete behind the first.
      emulator.org('slow').reset();
      const slow = emulator.orgs.slow!;
      const slowBearer = await accessToken(slow);
      const first = await openJob(slow, slowBearer, { object: 'Contact', operation: 'insert' }, contactsCsv(200));
      const second = await openJob(slow, slowBearer, { object: 'Contact', operation: 'insert' }, contactsCsv(5, 500));
      for (const id of [first, second]) {
        await api(slow, slowBearer, `/jobs/ingest/${id}`, { method: 'PATCH', json: { state: 'UploadComplete' } });
      }
      expect((await api(slow, slowBearer, `/jobs/ingest/${second}`)).body.state).toBe('UploadComplete');
      expect(await api(slow, slowBearer, `/jobs/ingest/${second}`, { method: 'DELETE' })).toEqual({
        status: 204,
        body: '',
      });
      await jobInState(slow, slowBearer, first, ['JobComplete']);
      const counted = await api(slow, slowBearer, `/query?q=${encodeURIComponent('SELECT COUNT() FROM Contact')}`);
      expect(counted).toMatchObject({ status: 200, body: { totalSize: 200 } });
      await api(slow, slowBearer, `/jobs/ingest/${first}`, { method: 'DELETE' });
      emulator.org('slow').reset();
    });

    test('results asked for while an aborted job stops answer 404 when the job is deleted meanwhile', async () => {
      emulator.org('slow').reset();
      const slow = emulator.orgs.slow!;
      const slowBearer = await accessToken(slow);
      const id = await openJob(slow, slowBearer, { object: 'Contact', operation: 'insert' }, contactsCsv(400));
      await api(slow, slowBearer, `/jobs/ingest/${id}`, { method: 'PATCH', json: { state: 'UploadComplete' } });
      await jobInState(slow, slowBearer, id, ['InProgress']);
      await api(slow, slowBearer, `/jobs/ingest/${id}`, { method: 'PATCH', json: { state: 'Aborted' } });

      const results = api(slow, slowBearer, `/jobs/ingest/${id}/successfulResults`);
      const deleted = await api(slow, slowBearer, `/jobs/ingest/${id}`, { method: 'DELETE' });

      expect(deleted).toEqual({ status: 204, body: '' });
      expect(await results).toEqual({ status: 404, body: NOT_FOUND });
      emulator.org('slow').reset();
    });
  });

  test('GET /services/data lists versions 31.0 to 66.0 with their release names, no session needed', async () => {
    const response = await fetch(`${dev.instanceUrl}/services/data`);
    const text = await response.text();
    const versions = JSON.parse(text) as { label: string; url: string; version: string }[];

    expect(response.status).toBe(200);
    expect(text.startsWith(`[{"label":"Summer '14","url":"/services/data/v31.0","version":"31.0"},`)).toBe(true);
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 36 }, (_, i) => `${31 + i}.0`));
    expect(versions.every((v) => v.url === `/services/data/v${v.version}`)).toBe(true);
    const labels = Object.fromEntries(versions.map((v) => [v.version, v.label]));
    expect(labels).toMatchObject({
      '40.0': "Summer '17",
      '45.0': "Spring '19",
      '50.0': "Winter '21",
      '62.0': "Winter '25",
      '64.0': "Summer '25",
      '65.0': "Winter '26",
      '66.0': "Spring '26",
    });
    expect(await api(dev, bearer, '/limits', { version: '30.0' })).toEqual({ status: 404, body: NOT_FOUND });
    expect(await api(dev, bearer, '/limits', { version: '67.0' })).toEqual({ status: 404, body: NOT_FOUND });
  });

  test('an org configured with an API version range lists and serves only those versions', async () => {
    const narrow = emulator.orgs.narrow!;
    const narrowBearer = await accessToken(narrow);

    const versions = (await (await fetch(`${narrow.instanceUrl}/services/data/`)).json()) as { version: string }[];

    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 11 }, (_, i) => `${50 + i}.0`));
    expect((await api(narrow, narrowBearer, '/limits', { version: '50.0' })).status).toBe(200);
    expect((await api(narrow, narrowBearer, '/limits', { version: '60.0' })).status).toBe(200);
    expect(await api(narrow, narrowBearer, '/limits', { version: '49.0' })).toEqual({ status: 404, body: NOT_FOUND });
    expect(await api(narrow, narrowBearer, '/limits', { version: '61.0' })).toEqual({ status: 404, body: NOT_FOUND });
  });

  test('GET …/jobs/ingest pages 1000 jobs at a time; following nextRecordsUrl gives every job once', async () => {
    const created: string[] = [];
    for (let batch = 0; batch < 41; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          api(dev, bearer, '/jobs/ingest', { method: 'POST', json: { object: 'Account', operation: 'insert' } }),
        ),
      );
      created.push(...answers.map((a) => a.body.id as string));
    }
    expect(created).toHaveLength(2050);

    const pages: { done: boolean; nextRecordsUrl: string | null; records: { id: string; state: string }[] }[] = [];
    let url: string | null = `${dev.instanceUrl}/services/data/v66.0/jobs/ingest`;
    while (url !== null) {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${bearer}` } });
      expect(response.status).toBe(200);
      const page = (await response.json()) as (typeof pages)[number];
      pages.push(page);
      url = page.nextRecordsUrl === null ? null : `${dev.instanceUrl}${page.nextRecordsUrl}`;
      expect(pages.length).toBeLessThanOrEqual(3);
    }

    expect(pages.map((p) => [p.records.length, p.done])).toEqual([
      [1000, false],
      [1000, false],
      [50, true],
    ]);
    expect(pages[0]!.nextRecordsUrl).toMatch(/^\/services\/data\/v66\.0\/jobs\/ingest\?queryLocator=.+/);
    expect(pages[2]!.nextRecordsUrl).toBeNull();
    const listed = pages.flatMap((p) => p.records.map((r) => r.id));
    expect(listed).toHaveLength(2050);
    expect([...listed].sort()).toEqual([...created].sort());
    expect(pages[0]!.records[0]).toMatchObject({ object: 'Account', operation: 'insert', state: 'Open' });
  });

  describe('GET …/sobjects/<Object>/<id>', () => {
    let contactId: string;
    let accountId: string;

    beforeEach(async () => {
      await bulkInsert(dev, bearer, 'Contact', 'LastName,Email,Ext_Id__c\nLovelace,ada@example.com,C-1\n');
      await bulkInsert(dev, bearer, 'Account', 'Name\nAcme\n');
      contactId = (await query(dev, bearer, 'SELECT Id FROM Contact')).records[0]!.Id as string;
      accountId = (await query(dev, bearer, 'SELECT Id FROM Account')).records[0]!.Id as string;
    });

    test('gives every field of the record, unset ones as null, for an 18- or 15-character id', async () => {
      const describe = await api(dev, bearer, '/sobjects/Contact/describe');
      const fieldNames = (describe.body.fields as { name: string }[]).map((f) => f.name);

      const record = await api(dev, bearer, `/sobjects/Contact/${contactId}`);

      expect(record.status).toBe(200);
      expect(Object.keys(record.body).sort()).toEqual(['attributes', ...fieldNames].sort());
      expect(record.body).toMatchObject({
        attributes: { type: 'Contact', url: `/services/data/v66.0/sobjects/Contact/${contactId}` },
        Id: contactId,
        LastName: 'Lovelace',
        Email: 'ada@example.com',
        Ext_Id__c: 'C-1',
        Title: null,
        IsDeleted: false,
      });
      expect(await api(dev, bearer, `/sobjects/Contact/${contactId.slice(0, 15)}`)).toEqual(record);
    });

    test('?fields=a,b gives only those fields (names case-insensitive) and attributes', async () => {
      const record = await api(dev, bearer, `/sobjects/Contact/${contactId}?fields=LastName,email`);

      expect(record).toEqual({
        status: 200,
        body: {
          attributes: { type: 'Contact', url: `/services/data/v66.0/sobjects/Contact/${contactId}` },
          LastName: 'Lovelace',
          Email: 'ada@example.com',
        },
      });
    });

    test('an unknown field in ?fields= is 400 INVALID_FIELD', async () => {
      expect(await api(dev, bearer, `/sobjects/Contact/${contactId}?fields=LastName,Bogus__c`)).toEqual({
        status: 400,
        body: [{ errorCode: 'INVALID_FIELD', message: "No such column 'Bogus__c' on sobject of type Contact" }],
      });
    });

    test.each([
      ['an id of another object', () => accountId],
      ['an id no record has', () => `${contactId.slice(0, 9)}ZZZZZZ`],
      ['something that is no id', () => 'not-an-id'],
    ])('%s is 404 NOT_FOUND', async (_, id) => {
      expect(await api(dev, bearer, `/sobjects/Contact/${id()}`)).toEqual({ status: 404, body: NOT_FOUND });
    });

    test('an unknown object is 404 NOT_FOUND', async () => {
      expect(await api(dev, bearer, `/sobjects/Nope__c/${contactId}`)).toEqual({ status: 404, body: NOT_FOUND });
    });
  });

  test('a record error with a line break is one quoted CSV value in failedResults, and jsforce reads one row', async () => {
    const longName = `${'L'.repeat(40)}\n${'M'.repeat(40)}`;
    const upload = [
      'Ext_Id__c,LastName,Email',
      'C-1,Lovelace,"ada\n""lovelace""@example.com"',
      `C-2,"${longName}",grace@example.com`,
      'C-3,Hopper,grace@example.com',
    ].join('\n');
    const job = await runBulkJob(dev, bearer, { object: 'Contact', operation: 'insert' }, `${upload}\n`);
    expect(job).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 3, numberRecordsFailed: 2 });

    const failed = await api(dev, bearer, `/jobs/ingest/${job.id}/failedResults/`);

    expect(failed.status).toBe(200);
    expect(failed.body).toBe(
      '"sf__Id","sf__Error",Ext_Id__c,LastName,Email\n' +
        '"","INVALID_EMAIL_ADDRESS:Email: invalid email address: ada\n""lovelace""@example.com:Email --",' +
        '"C-1","Lovelace","ada\n""lovelace""@example.com"\n' +
        `"","STRING_TOO_LONG:Last Name: data value too large: ${longName} (max length=80):LastName --",` +
        `"C-2","${longName}","grace@example.com"\n`,
    );
    const conn = await connect(dev);
    const rows = await conn.bulk2.job('ingest', { id: job.id as string }).getFailedResults();
    expect(rows.map((r) => [r.sf__Error, (r as unknown as Record<string, string>).Ext_Id__c])).toEqual([
      ['INVALID_EMAIL_ADDRESS:Email: invalid email address: ada\n"lovelace"@example.com:Email --', 'C-1'],
      [`STRING_TOO_LONG:Last Name: data value too large: ${longName} (max length=80):LastName --`, 'C-2'],
    ]);
  });

  test('hardDelete in an org without the Bulk API Hard Delete permission is refused with FEATURENOTENABLED', async () => {
    const nohard = emulator.orgs.nohard!;
    const nohardBearer = await accessToken(nohard);

    const refused = await api(nohard, nohardBearer, '/jobs/ingest', {
      method: 'POST',
      json: { object: 'Contact', operation: 'hardDelete' },
    });

    expect(refused).toEqual({
      status: 400,
      body: [
        {
          errorCode: 'FEATURENOTENABLED',
          message: "InvalidJob : User doesn't have the 'Bulk API Hard Delete' permission",
        },
      ],
    });
    expect((await api(nohard, nohardBearer, '/jobs/ingest')).body.records).toEqual([]);
    // A soft delete needs no permission.
    await bulkInsert(nohard, nohardBearer, 'Contact', 'LastName\nLovelace\n');
    const id = (await query(nohard, nohardBearer, 'SELECT Id FROM Contact')).records[0]!.Id as string;
    const deleted = await runBulkJob(nohard, nohardBearer, { object: 'Contact', operation: 'delete' }, `Id\n${id}\n`);
    expect(deleted).toMatchObject({ state: 'JobComplete', numberRecordsFailed: 0 });
    expect((await query(nohard, nohardBearer, 'SELECT COUNT() FROM Contact')).totalSize).toBe(0);
  });

  describe('columnDelimiter', () => {
    test.each([
      ['COMMA', ','],
      ['TAB', '\t'],
      ['PIPE', '|'],
      ['SEMICOLON', ';'],
      ['CARET', '^'],
      ['BACKQUOTE', '`'],
    ])('%s: the upload is split on it and every result CSV uses it', async (name, d) => {
      const rows = [
        ['LastName', 'Description', 'Email'],
        ['Lovelace', '"One, two"', 'ada@example.com'],
        [`"Hop${d}per"`, '"She said ""hi"""', 'grace@example.com'],
        ['Turing', 'x', 'not-an-email'],
      ];
      const upload = `${rows.map((r) => r.join(d)).join('\n')}\n`;

      const job = await runBulkJob(
        dev,
        bearer,
        { object: 'Contact', operation: 'insert', columnDelimiter: name },
        upload,
      );

      expect(job).toMatchObject({
        columnDelimiter: name,
        state: 'JobComplete',
        numberRecordsProcessed: 3,
        numberRecordsFailed: 1,
      });
      const successful = await api(dev, bearer, `/jobs/ingest/${job.id}/successfulResults/`);
      expect(withoutIds(successful.body)).toBe(
        [
          ['"sf__Id"', '"sf__Created"', 'LastName', 'Description', 'Email'],
          ['"<id>"', '"true"', '"Lovelace"', '"One, two"', '"ada@example.com"'],
          ['"<id>"', '"true"', `"Hop${d}per"`, '"She said ""hi"""', '"grace@example.com"'],
        ]
          .map((r) => `${r.join(d)}\n`)
          .join(''),
      );
      const failed = await api(dev, bearer, `/jobs/ingest/${job.id}/failedResults/`);
      expect(failed.body).toBe(
        [
          ['"sf__Id"', '"sf__Error"', 'LastName', 'Description', 'Email'],
          [
            '""',
            '"INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --"',
            '"Turing"',
            '"x"',
            '"not-an-email"',
          ],
        ]
          .map((r) => `${r.join(d)}\n`)
          .join(''),
      );
      expect(parse(successful.body as string, { delimiter: d, columns: true })).toEqual([
        expect.objectContaining({ LastName: 'Lovelace', Description: 'One, two' }),
        expect.objectContaining({ LastName: `Hop${d}per`, Description: 'She said "hi"' }),
      ]);
      const stored = await query(dev, bearer, 'SELECT LastName, Description FROM Contact ORDER BY LastName');
      expect(stored.records.map((r) => [r.LastName, r.Description])).toEqual([
        [`Hop${d}per`, 'She said "hi"'],
        ['Lovelace', 'One, two'],
      ]);

      const abortedId = await openJob(
        dev,
        bearer,
        { object: 'Contact', operation: 'insert', columnDelimiter: name },
        upload,
      );
      await api(dev, bearer, `/jobs/ingest/${abortedId}`, { method: 'PATCH', json: { state: 'Aborted' } });
      const unprocessed = await api(dev, bearer, `/jobs/ingest/${abortedId}/unprocessedrecords/`);
      // Unprocessed records come back as they were uploaded, in the job's delimiter.
      expect(unprocessed.body).toBe(upload);
    });

    test('a delimiter Salesforce does not know is refused when the job is created', async () => {
      const refused = await api(dev, bearer, '/jobs/ingest', {
        method: 'POST',
        json: { object: 'Contact', operation: 'insert', columnDelimiter: 'COLON' },
      });
      expect(refused).toEqual({
        status: 400,
        body: [{ errorCode: 'INVALIDJOB', message: 'InvalidJob : Invalid columnDelimiter: COLON' }],
      });
    });
  });

  test('an org named like a member of every JavaScript object is listed under its name', async () => {
    const named = await OrgEmulator.start({ orgs: ['__proto__', 'constructor'] });
    try {
      expect(Object.keys(named.orgs)).toEqual(['__proto__', 'constructor']);
      expect(named.orgs.__proto__!.instanceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(JSON.parse(JSON.stringify({ orgs: named.orgs })).orgs.constructor.name).toBe('constructor');
    } finally {
      await named.stop();
    }
  });

  test('a result set named like a member of every JavaScript object is 404, as any unknown path', async () => {
    const job = await runBulkJob(dev, bearer, { object: 'Contact', operation: 'insert' }, contactsCsv(2));
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(await api(dev, bearer, `/jobs/ingest/${job.id}/${name}`)).toEqual({ status: 404, body: NOT_FOUND });
    }
  });

  describe('control endpoint', () => {
    test('POST /sessions/expire ends every session of that org at once; records stay, new tokens work', async () => {
      await bulkInsert(dev, bearer, 'Contact', contactsCsv(2));
      const slow = emulator.orgs.slow!;
      const slowBearer = await accessToken(slow);

      const expired = await fetch(`${dev.controlUrl}/sessions/expire`, { method: 'POST' });

      expect(expired.status).toBe(204);
      expect(await expired.text()).toBe('');
      expect(await api(dev, bearer, '/limits')).toEqual({ status: 401, body: INVALID_SESSION });
      expect((await api(slow, slowBearer, '/limits')).status).toBe(200);
      const fresh = await accessToken(dev);
      expect((await query(dev, fresh, 'SELECT COUNT() FROM Contact')).totalSize).toBe(2);
    });

    test('GET /stats counts API calls, injected faults and records per object; POST /reset zeroes it', async () => {
      const stats = async () => (await (await fetch(`${dev.controlUrl}/stats`)).json()) as Record<string, any>;
      expect(await stats()).toEqual({ apiCalls: 0, faultsInjected: 0, records: {}, faults: {} });

      for (let i = 0; i < 3; i++) expect((await api(dev, bearer, '/limits')).status).toBe(200);
      expect(await stats()).toEqual({ apiCalls: 3, faultsInjected: 0, records: {}, faults: {} });

      await setFaults(dev, { rateLimitBursts: { every: 1, length: 1 } });
      expect((await api(dev, bearer, '/limits')).status).toBe(200);
      expect((await api(dev, bearer, '/limits')).status).toBe(429);
      expect(await api(dev, 'not-a-session', '/limits')).toEqual({ status: 401, body: INVALID_SESSION });
      expect(await stats()).toEqual({
        apiCalls: 6,
        faultsInjected: 1,
        records: {},
        faults: { rateLimitBursts: { every: 1, length: 1 } },
      });
      await setFaults(dev, {});

      await bulkInsert(dev, bearer, 'Contact', contactsCsv(3));
      await bulkInsert(dev, bearer, 'Account', 'Name\nAcme\n');
      const after = await stats();
      expect(after.records).toEqual({ Account: 1, Contact: 3 });
      expect(after.faultsInjected).toBe(1);
      // Two jobs are at least create, upload, close and one status read each.
      expect(after.apiCalls).toBeGreaterThanOrEqual(6 + 8);

      expect((await fetch(`${dev.controlUrl}/reset`, { method: 'POST' })).status).toBe(204);
      expect(await stats()).toEqual({ apiCalls: 0, faultsInjected: 0, records: {}, faults: {} });
      expect(await api(dev, bearer, '/limits')).toEqual({ status: 401, body: INVALID_SESSION });
    });

    test('an unknown control path is 404 naming it', async () => {
      const response = await fetch(`${dev.controlUrl}/nope`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'unknown control endpoint GET /__emulator/nope' });
    });
  });
});
