import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetPartitionsCommand } from '@aws-sdk/client-glue';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { run } from '../../src/cli/main';
import { contactsWithBadRows, GeneratedFile } from '../support/contact-data';
import { Capture, TestStack } from '../support/stack';

jest.setTimeout(300_000);

/** Runs `sfetl load` in process; returns the exit code and what it wrote. */
async function load(stack: TestStack, args: readonly string[], config = stack.config) {
  const out = new Capture();
  const err = new Capture();
  const errWrite = process.stderr.write.bind(process.stderr);
  let code: number;
  process.stderr.write = ((chunk: string | Uint8Array) => err.stream.write(chunk)) as typeof process.stderr.write;
  try {
    code = await run(['load', '--config', config, '--output', 'json', ...args], out.stream);
  } finally {
    process.stderr.write = errWrite;
  }
  return { code, out, err, events: out.jsonLines() };
}

/** A copy of the stack's config with some settings changed. */
function configWith(stack: TestStack, name: string, change: (config: Record<string, any>) => void): string {
  const config = parseYaml(readFileSync(stack.config, 'utf8')) as Record<string, any>;
  change(config);
  const path = join(stack.dir, name);
  writeFileSync(path, toYaml(config));
  return path;
}

function summary(events: Record<string, unknown>[]): Record<string, any> {
  return events.find((e) => e.event === 'summary') as Record<string, any>;
}

describe('sfetl load against the embedded default', () => {
  let stack: TestStack;
  let contacts: GeneratedFile;

  beforeAll(async () => {
    stack = await TestStack.start();
    contacts = contactsWithBadRows(10_000, {
      REQUIRED_FIELD_MISSING: 30,
      INVALID_EMAIL_ADDRESS: 30,
      STRING_TOO_LONG: 20,
      INVALID_TYPE_ON_FIELD_IN_RECORD: 20,
      SFETL_COLUMN_COUNT: 20,
      SFETL_MALFORMED_QUOTES: 17,
    });
  });
  afterAll(() => stack?.stop());

  test('--env qa loads 10,000 Contacts into the qa org only and logs every row, Glue-registered', async () => {
    const source = await stack.putSource('runs/qa/contacts.csv', contacts.csv);
    const insertConfig = configWith(stack, 'insert.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    });
    const result = await load(stack, ['--env', 'qa', '--run-id', 'run-qa-1'], insertConfig);
    expect(result.err.text).toBe('');
    expect(result.code).toBe(0);

    for (const env of ['dev', 'uat', 'prod']) {
      expect((await stack.orgQuery(env, 'SELECT COUNT() FROM Contact')).totalSize).toBe(0);
    }
    const orgIds = (await stack.orgQuery<{ Id: string }>('qa', 'SELECT Id FROM Contact')).records.map((r) => r.Id);
    expect(orgIds).toHaveLength(9_863);

    const s = summary(result.events);
    const contactSummary = s.objects[0];
    const successLocation = contactSummary.logs.find((l: string) => l.includes('/success/'));
    const failureLocation = contactSummary.logs.find((l: string) => l.includes('/failure/'));
    expect(successLocation).toMatch(
      /^s3:\/\/sfetl-logs\/success\/Contact\/run_id=run-qa-1\/env=qa\/created_time=\d{14}\/$/,
    );
    expect(failureLocation).toMatch(
      /^s3:\/\/sfetl-logs\/failure\/Contact\/run_id=run-qa-1\/env=qa\/created_time=\d{14}\/$/,
    );

    const successRows = await stack.readParquet(successLocation);
    expect(successRows).toHaveLength(9_863);
    expect(new Set(successRows.map((r) => r.sf__Id))).toEqual(new Set(orgIds));
    expect(successRows.every((r) => r.sf__Created === 'true' && /^750/.test(r.sf__JobId ?? ''))).toBe(true);

    const failureRows = await stack.readParquet(failureLocation);
    expect(failureRows).toHaveLength(137);
    for (const row of failureRows) {
      const ext = String(row.Ext_Id__c).slice(0, 9);
      const expected = contacts.bad.get(ext);
      expect({ ext, error: row.sf__Error?.split(':')[0] }).toEqual({ ext, error: expected });
      if (expected?.startsWith('SFETL_')) {
        expect(row.sf__JobId).toBe('');
        expect(row.sf__Error).toMatch(/line \d+/);
      } else {
        expect(row.sf__JobId).toMatch(/^750/);
      }
    }

    const partitions = await stack.aws.glue.send(
      new GetPartitionsCommand({ DatabaseName: 'sfetl_logs', TableName: 'contact' }),
    );
    const registered = (partitions.Partitions ?? []).map((p) => ({
      values: p.Values,
      location: p.StorageDescriptor?.Location,
    }));
    expect(registered).toHaveLength(2);
    for (const p of registered) {
      const rows = await stack.readParquet(p.location!);
      expect(rows).toHaveLength(p.values![0] === 'success' ? 9_863 : 137);
      expect(p.values!.slice(1, 3)).toEqual(['run-qa-1', 'qa']);
    }
    expect(registered.map((p) => p.location).sort()).toEqual([failureLocation, successLocation].sort());
  });

  test('the exit code follows the failure-rate threshold', async () => {
    const source = await stack.putSource('runs/dev/contacts.csv', contacts.csv);
    const strict = configWith(stack, 'strict.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
      c.limits.failureRateThreshold = 0.01;
    });
    const result = await load(stack, ['--env', 'dev'], strict);
    expect(result.code).toBe(2);
    expect(result.err.text).toMatch(/1\.37% of the rows failed \(threshold 1\.00%\)/);
    expect((await stack.orgQuery('dev', 'SELECT COUNT() FROM Contact')).totalSize).toBe(9_863);
  });

  test('a file over 250 MB is split into at least three jobs and every row is accounted for', async () => {
    const big = contactsWithBadRows(250_000, { SFETL_COLUMN_COUNT: 3, INVALID_EMAIL_ADDRESS: 5 }, 'x'.repeat(1000));
    expect(Buffer.byteLength(big.csv)).toBeGreaterThan(250 * 1024 * 1024);
    const source = await stack.putSource('runs/uat/big.csv', big.csv);
    const cfg = configWith(stack, 'big.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
    });
    const result = await load(stack, ['--env', 'uat', '--run-id', 'run-big'], cfg);
    expect(result.code).toBe(0);
    const jobs = result.events.filter((e) => e.event === 'job-finished');
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    const s = summary(result.events);
    expect(s.rowsRead).toBe(250_000);
    expect(s.success + s.failure).toBe(250_000);
    expect(s.failure).toBe(8);
    expect((await stack.orgQuery('uat', 'SELECT COUNT() FROM Contact')).totalSize).toBe(250_000 - 8);
  });

  test('upsert by external id updates; Contacts find the Accounts loaded before them in the same run', async () => {
    const accounts = await stack.putSource(
      'runs/order/accounts.csv',
      'Ext_Id__c,Name,Industry\nA-1,Acme,Technology\nA-2,Globex,Energy\n',
    );
    const people = await stack.putSource(
      'runs/order/contacts.csv',
      'Ext_Id__c,LastName,Account.Ext_Id__c\nP-1,Ng,A-1\nP-2,Lee,A-2\nP-3,Orphan,A-404\n',
    );
    // Listed Contact first: the load order, not the file order, decides.
    const cfg = configWith(stack, 'order.yaml', (c) => {
      c.objects = [
        { name: 'Contact', source: people, operation: 'upsert', externalIdField: 'Ext_Id__c', loadOrder: 2 },
        { name: 'Account', source: accounts, operation: 'upsert', externalIdField: 'Ext_Id__c', loadOrder: 1 },
      ];
      c.limits.failureRateThreshold = 0.5;
    });
    const first = await load(stack, ['--env', 'prod', '--confirm-env', 'prod', '--run-id', 'order-1'], cfg);
    expect(first.code).toBe(0);
    expect(first.events.filter((e) => e.event === 'object-started').map((e) => e.object)).toEqual([
      'Account',
      'Contact',
    ]);
    const linked = await stack.orgQuery<{ LastName: string; Account: { Ext_Id__c: string } | null }>(
      'prod',
      'SELECT LastName, Account.Ext_Id__c FROM Contact ORDER BY LastName',
    );
    expect(linked.records.map((r) => [r.LastName, r.Account?.Ext_Id__c])).toEqual([
      ['Lee', 'A-2'],
      ['Ng', 'A-1'],
    ]);
    const contactFailures = summary(first.events)
      .objects.find((o: any) => o.object === 'Contact')
      .logs.find((l: string) => l.includes('/failure/'));
    const [orphan] = await stack.readParquet(contactFailures);
    expect(orphan).toMatchObject({ Ext_Id__c: 'P-3', Account_Ext_Id__c: 'A-404' });
    expect(orphan!.sf__Error).toMatch(/^INVALID_FIELD:Foreign key external ID: A-404 not found/);

    await stack.putSource(
      'runs/order/accounts.csv',
      'Ext_Id__c,Name,Industry\nA-1,Acme Corporation,Technology\nA-2,Globex,Energy\n',
    );
    const second = await load(
      stack,
      ['--env', 'prod', '--confirm-env', 'prod', '--object', 'Account', '--run-id', 'order-2'],
      cfg,
    );
    expect(second.code).toBe(0);
    const names = await stack.orgQuery<{ Name: string }>('prod', 'SELECT Name FROM Account ORDER BY Name');
    expect(names.records.map((r) => r.Name)).toEqual(['Acme Corporation', 'Globex']);
    const successLog = summary(second.events).objects[0].logs.find((l: string) => l.includes('/success/'));
    expect((await stack.readParquet(successLog)).map((r) => r.sf__Created)).toEqual(['false', 'false']);
  });

  test('a protected environment refuses to run without --confirm-env', async () => {
    const jobsBefore = await stack.jobCount('prod');
    const result = await load(stack, ['--env', 'prod']);
    expect(result.code).toBe(1);
    expect(result.err.text).toContain('prod is protected: run again with --confirm-env prod');
    expect(await stack.jobCount('prod')).toBe(jobsBefore);
  });

  describe('problems found before any job exists exit 1 and name the fix', () => {
    let source: string;
    beforeAll(async () => {
      await stack.resetOrgs();
      source = await stack.putSource('runs/bad/contacts.csv', 'LastName,Emial\nNg,ng@example.com\n');
    });
    afterEach(async () => {
      expect(await stack.jobCount('dev')).toBe(0);
    });

    const cases: [string, (c: Record<string, any>) => void, string[], RegExp][] = [
      [
        'unknown object',
        (c) =>
          (c.objects = [{ name: 'Contcat', source: 's3://sfetl-source/runs/bad/contacts.csv', operation: 'insert' }]),
        [],
        /the org has no object Contcat; did you mean Contact\?/,
      ],
      [
        'a header that is not a field',
        (c) =>
          (c.objects = [{ name: 'Contact', source: 's3://sfetl-source/runs/bad/contacts.csv', operation: 'insert' }]),
        [],
        /column Emial is not a field of Contact; did you mean Email\?/,
      ],
      [
        'a missing required column',
        (c) =>
          (c.objects = [
            {
              name: 'Account',
              source: 's3://sfetl-source/runs/bad/contacts.csv',
              operation: 'insert',
              columnMapping: { LastName: 'Description', Emial: 'Phone' },
            },
          ]),
        [],
        /required field Name missing for insert; add the column/,
      ],
      [
        'a bad config',
        (c) => (c.objects[0].operation = 'upsrt'),
        [],
        /objects\[0\]\.operation: "upsrt" is not an operation; did you mean "upsert"\?/,
      ],
      [
        'a missing secret',
        (c) => (c.environments.dev.auth.secretId = 'sfetl/nope'),
        [],
        /Secret "sfetl\/nope" was not found in AWS Secrets Manager; create it, or set auth.secretId/,
      ],
      [
        'an unknown env',
        () => undefined,
        ['--env', 'stage'],
        /unknown environment "stage"; run again with --env <dev\|qa\|uat\|prod>/,
      ],
    ];
    test.each(cases)('%s', async (_, change, extraArgs, message) => {
      const cfg = configWith(stack, `bad-${_.replace(/ /g, '-')}.yaml`, change);
      const args = extraArgs.length > 0 ? extraArgs : ['--env', 'dev'];
      const result = await load(stack, args, cfg);
      expect(result.code).toBe(1);
      expect(result.err.text).toMatch(message);
      expect(source).toBeDefined();
    });
  });

  test('--dry-run parses every row and reports would-be jobs and client-side rejects without creating a job', async () => {
    await stack.resetOrgs();
    const source = await stack.putSource('runs/dry/contacts.csv', contacts.csv);
    const cfg = configWith(stack, 'dry.yaml', (c) => {
      c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
      c.limits.maxJobRows = 3000;
    });
    const result = await load(stack, ['--env', 'dev', '--dry-run'], cfg);
    expect(result.code).toBe(0);
    const s = summary(result.events);
    expect(s.dryRun).toBe(true);
    expect(s.objects).toEqual([
      expect.objectContaining({ object: 'Contact', files: 1, rows: 10_000, jobs: 4, rejected: 37 }),
    ]);
    expect(await stack.jobCount('dev')).toBe(0);
    expect(await stack.logKeys('success/Contact/run_id=')).toEqual(
      expect.not.arrayContaining([expect.stringContaining('dry')]),
    );
  });

  test('a session that expires mid-run is renewed and the load completes', async () => {
    await stack.resetOrgs();
    await fetch(`${stack.description.orgs.qa!.controlUrl}/faults`, {
      method: 'PUT',
      body: JSON.stringify({ sessionExpiryAfterCalls: 4 }),
    });
    try {
      const source = await stack.putSource('runs/session/contacts.csv', contactsWithBadRows(3_000, {}).csv);
      const cfg = configWith(stack, 'session.yaml', (c) => {
        c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
        c.limits.maxJobRows = 500;
      });
      const result = await load(stack, ['--env', 'qa'], cfg);
      expect(result.code).toBe(0);
      expect(summary(result.events).success).toBe(3_000);
      expect((await stack.orgQuery('qa', 'SELECT COUNT() FROM Contact')).totalSize).toBe(3_000);
    } finally {
      await fetch(`${stack.description.orgs.qa!.controlUrl}/faults`, { method: 'PUT', body: '{}' });
    }
  });

  test.each([
    { attempts: 3, code: 0, success: 1_000, failure: 0 },
    { attempts: 1, code: 2, success: 300, failure: 700 },
  ])(
    'a job that fails mid-way: its unprocessed rows go again in a new job ($attempts attempts allowed), and what is left is logged',
    async ({ attempts, code, success, failure }) => {
      await stack.resetOrgs();
      const uat = stack.description.orgs.uat!;
      await fetch(`${uat.controlUrl}/faults`, {
        method: 'PUT',
        body: JSON.stringify({ failJobAfterRecords: 300, failJobsCount: 1 }),
      });
      try {
        const source = await stack.putSource(
          `runs/failed-job-${attempts}/contacts.csv`,
          contactsWithBadRows(1_000, {}).csv,
        );
        const cfg = configWith(stack, `failed-job-${attempts}.yaml`, (c) => {
          c.objects = [{ name: 'Contact', source, operation: 'insert', loadOrder: 1 }];
          c.limits.maxRecordAttempts = attempts;
        });
        const result = await load(stack, ['--env', 'uat', '--run-id', `failed-job-${attempts}`], cfg);
        expect(result.code).toBe(code);
        const s = summary(result.events);
        expect([s.rowsRead, s.success, s.failure]).toEqual([1_000, success, failure]);
        expect((await stack.orgQuery('uat', 'SELECT COUNT() FROM Contact')).totalSize).toBe(success);
        if (failure > 0) {
          const failures = await stack.readParquet(s.objects[0].logs.find((l: string) => l.includes('/failure/')));
          expect(failures).toHaveLength(failure);
          expect(
            failures.every((r) =>
              r.sf__Error!.startsWith('SFETL_UNPROCESSED:record not processed after 1 attempt(s); job ended Failed'),
            ),
          ).toBe(true);
        } else {
          expect(result.events.filter((e) => e.event === 'rows-retried').map((e) => e.rows)).toEqual([700]);
        }
      } finally {
        await fetch(`${uat.controlUrl}/faults`, { method: 'PUT', body: '{}' });
      }
    },
  );
});
